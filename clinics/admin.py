"""The care team in admin, scoped per clinic: staff see only the clinics they work at, and their people,
patient links, invitations and join requests. Writes go through the services."""

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.utils.html import format_html

from clinics import selectors, services
from clinics.models import (
    INVITATION_DAYS,
    CareLink,
    Clinic,
    Invitation,
    JoinRequest,
    Membership,
    StaffInvitation,
    display_name,
)
from prepared import prepared


def _report(request, done: int, verb: str, errors: list[str]) -> None:
    if done:
        messages.success(request, f"{verb} {done}.")
    for error in errors:
        messages.warning(request, error)


def _each(request, queryset, verb: str, service) -> None:
    done, errors = 0, []
    for obj in queryset:
        try:
            service(obj)
        except ValidationError as error:
            errors.append(f"{obj}: {' '.join(error.messages)}")
        else:
            done += 1
    _report(request, done, verb, errors)


class PersonChoiceField(forms.ModelChoiceField):
    """People by name, not username."""

    def label_from_instance(self, obj):
        return display_name(obj)


class ClinicScopedAdmin(admin.ModelAdmin):
    """Rows of the clinics the signed-in user works at (all for a superuser); `clinic_path` reaches the clinic."""

    clinic_path = "clinic"
    show_full_result_count = False
    list_per_page = 50

    def reachable_clinics(self, request):
        """The clinics whose rows this admin shows and offers."""
        return selectors.clinics_of(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.clinic_path}__in": self.reachable_clinics(request).values("pk")})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        clinics = self.reachable_clinics(request)
        if db_field.name == "clinic":
            kwargs["queryset"] = clinics
        elif db_field.name == "dermatologist":
            kwargs["queryset"] = selectors.dermatologists_of(clinics=clinics)
            kwargs["form_class"] = PersonChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipForm(forms.ModelForm):
    email = forms.EmailField(help_text="The e-mail address of their staff account.")

    class Meta:
        model = Membership
        fields = ["role"]

    def clean_email(self):
        email = self.cleaned_data["email"]
        user = get_user_model().objects.filter(email__iexact=email, is_staff=True, is_active=True).first()
        if user is None:
            raise ValidationError("No staff account has this e-mail address; ask a superuser to create one.")
        self.instance.user = user
        return email


class MembershipInline(admin.TabularInline):
    """The clinic's people, listed on its page; managers add and remove them under Clinic people."""

    model = Membership
    extra = 0
    fields = ["person", "role"]
    readonly_fields = ["person", "role"]

    @admin.display(description="person")
    def person(self, membership):
        return display_name(membership.user)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _count_per_clinic(rows) -> Coalesce:
    counted = rows.filter(clinic=OuterRef("pk")).order_by().values("clinic").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@functools.cache
def _clinic_counts() -> dict[str, Coalesce]:
    """The clinic list's two counts, built once per process: an expression is copied, never changed, by each query
    that annotates it (it holds no value of a request: the clinic is the outer row, the care links' filter fixed)."""
    return {
        "staff_count": _count_per_clinic(Membership.objects.all()),
        "patient_count": _count_per_clinic(CareLink.objects.active()),
    }


# The clinic list at its usual address (nothing chosen: no search, sorting, page or popup), a member's or a
# superuser's: its rows with their counts in one prepared read of a page and one row more, instead of the list's count
# and page built by the ORM on every request. A longer list, or any other address, is Django's own.
USUAL_PAGE = admin.ModelAdmin.list_per_page  # the clinic list's
_COLUMNS = [field.attname for field in Clinic._meta.concrete_fields]


def _usual_rows(clinics):
    return (
        clinics.annotate(**_clinic_counts())
        .order_by("name")
        .values_list(*_COLUMNS, *_clinic_counts())[: USUAL_PAGE + 1]
    )


@prepared
def _usual_clinics_of_member(*, user_id: int):
    return _usual_rows(Clinic.objects.of_member_id(user_id))


@prepared
def _usual_clinics_of_superuser():
    return _usual_rows(Clinic.objects.all())


class ClinicChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        if not self._usual() and "staff_count" not in self.root_queryset.query.annotations:
            self.root_queryset = self.root_queryset.annotate(**_clinic_counts())  # before it is sorted or searched
        return super().get_queryset(request, exclude_parameters)

    def _usual(self) -> bool:
        return not self.params and not self.is_popup and self.list_per_page == USUAL_PAGE and self.page_num == 1

    def get_results(self, request):
        """Django's `ChangeList.get_results`; at the usual address, of the rows read prepared when they fit a page."""
        if self._usual() and not self.model_admin.show_full_result_count:
            user = request.user
            read = _usual_clinics_of_superuser() if user.is_superuser else _usual_clinics_of_member(user_id=user.pk)
            if len(read) <= USUAL_PAGE:
                self._usual_results(request, read)
                return
            self.queryset = self.queryset.annotate(**_clinic_counts())  # a longer list: Django's count and page
        super().get_results(request)

    def _usual_results(self, request, read: list[tuple]) -> None:
        clinics = []
        for row in read:
            clinic = Clinic.from_db(self.queryset.db, _COLUMNS, row[: len(_COLUMNS)])
            clinic.staff_count, clinic.patient_count = row[len(_COLUMNS) :]
            clinics.append(clinic)
        self.paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        self.paginator.count = len(clinics)  # a cached property: given here, not counted again
        self.result_count = len(clinics)
        self.show_full_result_count = False
        self.show_admin_actions = True
        self.full_result_count = None
        self.result_list = clinics
        self.can_show_all = len(clinics) <= self.list_max_show_all
        self.multi_page = False


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "alert_email", "phone", "staff", "patients"]
    fields = ["name", "code", "alert_email", "phone"]
    readonly_fields = ["code"]
    search_fields = ["name"]
    actions = ["rotate_code"]
    inlines = [MembershipInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return selectors.clinics_of(request.user).order_by("name")

    def get_changelist(self, request, **kwargs):
        # Counted per clinic by a subquery each (ClinicChangeList): a join would count only the signed-in member's own
        # membership (the one the scope filters by) and multiply a clinic's rows by its staff and patients.
        return ClinicChangeList

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # a clinic with links is history; rename it or remove its people instead

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        # The phone patients are told to call is set by the clinic's managers, not by every member.
        manages = obj is not None and selectors.managed_clinics(request.user).filter(pk=obj.pk).exists()
        return [*self.readonly_fields, "name"] if manages else [*self.readonly_fields, "name", "phone"]

    @admin.display(description="staff", ordering="staff_count")
    def staff(self, clinic):
        return clinic.staff_count

    @admin.display(description="patients sharing", ordering="patient_count")
    def patients(self, clinic):
        return clinic.patient_count

    @admin.action(description="Give the selected clinics a new code", permissions=["change"])
    def rotate_code(self, request, queryset):
        _each(request, queryset, "New code for", lambda clinic: services.clinic_rotate_code(clinic=clinic))


@admin.register(Membership)
class MembershipAdmin(ClinicScopedAdmin):
    """The clinic's people. Managers add staff accounts by e-mail address and remove people."""

    form = MembershipForm
    list_display = ["person", "clinic", "role"]
    list_select_related = ["user", "clinic"]
    list_filter = ["role"]
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    fields = ["clinic", "email", "role"]

    def get_fields(self, request, obj=None):
        return ["clinic", "role"] if obj else ["clinic", "email", "role"]

    def get_readonly_fields(self, request, obj=None):
        return ["clinic"] if obj else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic":
            kwargs["queryset"] = selectors.managed_clinics(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _manages(self, request, obj) -> bool:
        return obj is None or selectors.managed_clinics(request.user).filter(pk=obj.clinic_id).exists()

    def has_add_permission(self, request):
        return super().has_add_permission(request) and selectors.managed_clinics(request.user).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)

    def delete_model(self, request, obj):
        services.membership_remove(membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.membership_remove(membership=membership)

    @admin.display(description="person", ordering="user__first_name")
    def person(self, membership):
        return display_name(membership.user)


@admin.register(CareLink)
class CareLinkAdmin(ClinicScopedAdmin):
    """The clinic's patients as linked by consent: assign a dermatologist, add the clinic's record number."""

    list_display = ["patient_name", "clinic", "assigned", "record_number", "consented_at", "photos", "state"]
    list_select_related = ["patient", "clinic", "dermatologist"]
    list_filter = [("withdrawn_at", admin.EmptyFieldListFilter), "shares_photos"]
    search_fields = ["patient__first_name", "patient__last_name", "record_number"]
    fields = [
        "patient_name",
        "clinic",
        "dermatologist",
        "record_number",
        "source",
        "consent_version",
        "consented_at",
        "shares_photos",
        "withdrawn_at",
    ]
    readonly_fields = [
        "patient_name",
        "clinic",
        "source",
        "consent_version",
        "consented_at",
        "shares_photos",
        "withdrawn_at",
    ]

    def get_queryset(self, request):
        # A withdrawn link shows the clinic that the patient left (and when), never their diary.
        return super().get_queryset(request).select_related("patient", "clinic", "dermatologist")

    def has_add_permission(self, request):
        return False  # links come from the patient's consent only

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_active:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="patient", ordering="patient__first_name")
    def patient_name(self, link):
        return display_name(link.patient)

    @admin.display(description="dermatologist", ordering="dermatologist__first_name", empty_value="not assigned")
    def assigned(self, link):
        return display_name(link.dermatologist) if link.dermatologist else None

    @admin.display(description="photos", boolean=True)
    def photos(self, link):
        return link.shares_photos

    @admin.display(description="state")
    def state(self, link):
        return "sharing" if link.is_active else format_html("withdrawn {}", f"{link.withdrawn_at:%d %b %Y}")


class InvitationStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Invitation.Status.choices

    def queryset(self, request, queryset):
        return queryset.with_status(self.value()) if self.value() in Invitation.Status.values else queryset


class LinkInvitationAdmin(ClinicScopedAdmin):
    """What both kinds of invitation share in admin: status, sending through a service, resend (a new link) and
    revoke; never deleted (they are the record of who was invited)."""

    list_filter = [InvitationStatusFilter]
    search_fields = ["email"]
    actions = ["resend", "revoke"]
    readonly_fields = ["status_display", "sent_at", "expires_at", "accepted_at", "revoked_at"]
    invited_fields: list[str]  # what the add form asks for

    def send(self, request, obj):
        """Create and e-mail the invitation through its service; return it."""
        raise NotImplementedError

    def get_fields(self, request, obj=None):
        return self.invited_fields if obj is None else [*self.invited_fields, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, *self.invited_fields] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        # A failure to send raises ValidationError, which rolls the add back; add_view shows it.
        obj.pk = self.send(request, obj).pk

    def _changelist(self):
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self._changelist()

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, f"Invitation sent to {obj.email}. The link works once, for {INVITATION_DAYS} days.")
        return self._changelist()

    @admin.display(description="status")
    def status_display(self, invitation):
        return invitation.status

    @admin.action(description="Send the selected invitations again (new link)", permissions=["change"])
    def resend(self, request, queryset):
        _each(
            request, queryset.select_related("clinic"), "Sent again", lambda i: services.invitation_resend(invitation=i)
        )

    @admin.action(description="Revoke the selected invitations", permissions=["change"])
    def revoke(self, request, queryset):
        _each(request, queryset, "Revoked", lambda i: services.invitation_revoke(invitation=i))


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["clinic", "email", "dermatologist"]


@admin.register(Invitation)
class InvitationAdmin(LinkInvitationAdmin):
    """Invite a patient by e-mail; resend (a new link) or revoke."""

    form = InvitationForm
    list_display = ["email", "clinic", "invited_dermatologist", "status_display", "sent_at", "expires_at"]
    list_select_related = ["clinic", "dermatologist"]
    invited_fields = ["clinic", "email", "dermatologist"]

    def get_changeform_initial_data(self, request):
        clinics = list(selectors.clinics_of(request.user)[:2])
        initial = {"clinic": clinics[0].pk} if len(clinics) == 1 else {}
        if selectors.dermatologists_of(clinics=selectors.clinics_of(request.user)).filter(pk=request.user.pk).exists():
            initial["dermatologist"] = request.user.pk
        return initial

    def send(self, request, obj):
        return services.invitation_send(
            clinic=obj.clinic, email=obj.email, dermatologist=obj.dermatologist, invited_by=request.user
        )

    @admin.display(description="dermatologist", empty_value="-")
    def invited_dermatologist(self, invitation):
        return display_name(invitation.dermatologist) if invitation.dermatologist else None


class StaffInvitationForm(forms.ModelForm):
    class Meta:
        model = StaffInvitation
        fields = ["clinic", "email", "role"]


@admin.register(StaffInvitation)
class StaffInvitationAdmin(LinkInvitationAdmin):
    """A clinic's managers invite a new dermatologist or manager by e-mail; resend (a new link) or revoke.
    Only the clinics a user manages are in reach (all for a superuser)."""

    form = StaffInvitationForm
    list_display = ["email", "clinic", "role", "status_display", "sent_at", "expires_at", "accepted_by_name"]
    list_select_related = ["clinic", "accepted_by"]
    list_filter = [InvitationStatusFilter, "role"]
    invited_fields = ["clinic", "email", "role"]

    def reachable_clinics(self, request):
        return selectors.managed_clinics(request.user)

    def get_changeform_initial_data(self, request):
        clinics = list(selectors.managed_clinics(request.user)[:2])
        return {"clinic": clinics[0].pk} if len(clinics) == 1 else {}

    def _manages_any(self, request) -> bool:
        return request.user.is_superuser or selectors.managed_clinics(request.user).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._manages_any(request)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._manages_any(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages_any(request)

    def send(self, request, obj):
        return services.staff_invitation_send(
            clinic=obj.clinic, email=obj.email, role=obj.role, invited_by=request.user
        )

    @admin.display(description="accepted by", empty_value="-")
    def accepted_by_name(self, invitation):
        return display_name(invitation.accepted_by) if invitation.accepted_by else None


class JoinDecisionForm(forms.ModelForm):
    DECISIONS = [("accept", "Accept"), ("decline", "Decline")]
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.RadioSelect)
    dermatologist = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        help_text="Who reviews this diary and receives its alerts. Needed to accept.",
    )

    class Meta:
        model = JoinRequest
        fields = []

    def clean(self):
        data = super().clean()
        if data.get("decision") == "accept" and not data.get("dermatologist"):
            self.add_error("dermatologist", "Choose the dermatologist who will review this diary.")
        return data


@admin.register(JoinRequest)
class JoinRequestAdmin(ClinicScopedAdmin):
    """Requests made with the clinic code: accept (choosing the dermatologist) or decline."""

    form = JoinDecisionForm
    list_display = ["patient_name", "clinic", "created", "photos", "status"]
    list_select_related = ["patient", "clinic"]
    list_filter = ["status"]
    readonly_fields = ["patient_name", "clinic", "created", "consent_version", "photos", "status", "decided_at"]

    def get_fields(self, request, obj=None):
        fields = ["patient_name", "clinic", "created", "consent_version", "photos", "status"]
        if obj is not None and obj.status == JoinRequest.Status.PENDING:
            return [*fields, "decision", "dermatologist"]
        return [*fields, "decided_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "dermatologist" in form.base_fields:
            form.base_fields["dermatologist"].queryset = selectors.dermatologists_of(
                clinics=type(obj.clinic).objects.filter(pk=obj.clinic_id)
            )
        return form

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != JoinRequest.Status.PENDING:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            if form.cleaned_data["decision"] == "accept":
                services.join_request_accept(
                    join_request=obj, dermatologist=form.cleaned_data["dermatologist"], decided_by=request.user
                )
                messages.success(request, "Accepted: the patient is linked and was told by e-mail.")
            else:
                services.join_request_decline(join_request=obj, decided_by=request.user)
                messages.success(request, "Declined: nothing is shared; the patient was told by e-mail.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))

    def save_related(self, request, form, formsets, change):
        pass

    def log_change(self, request, obj, message):
        pass  # the decision is recorded on the request itself and by the audit trail

    @admin.display(description="patient", ordering="patient__first_name")
    def patient_name(self, join_request):
        return display_name(join_request.patient)

    @admin.display(description="photos", boolean=True)
    def photos(self, join_request):
        return join_request.shares_photos
