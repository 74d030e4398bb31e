"""The clinician admin: staff see only the patients the care team lets them see (clinics.selectors); diaries
are read-only; flags are reviewed through actions that call the services."""

import html

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import InvalidPage
from django.db import models
from django.db.models import F, QuerySet, Value
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Coalesce, NullIf
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from clinics import selectors as care
from clinics.models import display_name
from diary import admin_rows, admin_selectors, admin_summary, admin_views, audit, flag_services, services
from diary.admin_forms import FlagReviewForm, ResolveNoteForm
from diary.forms import Refusals
from diary.models import Application, Entry, Flag, Patient, Photo, Reaction, Treatment
from drugs.models import Urgency
from markup import escape, safe

# Up to this many patients, the patient filter lists them all; beyond it, a list of names is too long to use (and
# rendering hundreds of links was most of the flag queue's time): the search box finds a patient by name.
PATIENT_FILTER_LIMIT = admin_selectors.PATIENT_CHOICES


class PatientFilter(admin.SimpleListFilter):
    """Filter by patient, offering only the patients the signed-in user may see: all of them in a small clinic,
    otherwise only the one chosen through a link (the patient list's "open flags", the timeline)."""

    title = "patient"
    parameter_name = "patient"

    def lookups(self, request, model_admin):
        listed = admin_selectors.patients_to_choose(user=request.user)
        if listed is not None:
            return listed
        chosen = self.value()
        if not chosen or not str(chosen).isdigit():
            return []
        patients = admin_selectors.visible_patients(user=request.user).select_related("user")
        return [(patient.pk, display_name(patient.user)) for patient in patients.filter(pk=chosen)]

    def has_output(self):
        # A chosen patient filters the list even when it is not one the user may see (then nothing is listed).
        return super().has_output() or self.value() is not None

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not str(value).isdigit():
            return queryset.none()
        patient_path = self.model_admin.patient_path
        return queryset.filter(**{f"{patient_path}__pk" if patient_path else "pk": value})

    def __init__(self, request, params, model, model_admin):
        self.model_admin = model_admin
        super().__init__(request, params, model, model_admin)


class NoJsonLookupsMixin:
    """A lookup into a JSON column typed into a changelist's address is refused as a bad request (400): nobody
    filters by them, and some databases do not support them (SQLite raises NotSupportedError: a 500)."""

    def lookup_allowed(self, lookup, value, request):
        field = self.model._meta._forward_fields_map.get(lookup.split(LOOKUP_SEP)[0])
        if isinstance(field, models.JSONField):
            return False
        return super().lookup_allowed(lookup, value, request)


class PatientScopedAdmin(NoJsonLookupsMixin, admin.ModelAdmin):
    """The one place scoping lives: every queryset the admin builds (lists, search, filters, autocomplete,
    object pages, custom views) starts from get_queryset, which keeps only the patients the signed-in user may
    see now, as the care team decides (clinics.selectors.patients_visible_to). `patient_path` is how a row
    reaches its Patient ("" for Patient itself)."""

    patient_path = "patient"
    show_full_result_count = False
    list_per_page = 50

    # Photo rows need the patient's separate consent to photos.
    needs_photo_consent = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The patient column shows the patient's name and sorts by it, through this admin's own patient_path.
        prefix = f"{cls.patient_path}__" if cls.patient_path else ""

        # By the name shown: the patient's name, or their username when they gave none.
        shown = Coalesce(NullIf(F(f"{prefix}user__first_name"), Value("")), F(f"{prefix}user__username"))

        @admin.display(description="patient", ordering=shown)
        def patient_name(self, obj):
            name = admin_selectors.row_patient_name(obj)  # a list's row: its name columns
            if name is None:
                name = display_name(self.patient_of(obj).user)
            # format_html("{}", ...) and Django's escape() without their checks: the same safe string
            return safe(html.escape(name))

        cls.patient_name = patient_name

    # What this admin's rows read with them (select_related), on every queryset it builds.
    rows_select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        """The scoped rows: a query built once per process for each user (admin_selectors.ScopedQuerySets: SQL only,
        run afresh each time, so who may see what is read from the database on every request)."""
        return self._scoped.for_user(request.user, lambda: self._scoped_queryset(request))

    def _scoped_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.rows_select_related:
            queryset = queryset.select_related(*self.rows_select_related)
        return admin_selectors.scope_to_viewer(
            queryset=queryset, user=request.user, patient_path=self.patient_path, photos=self.needs_photo_consent
        )

    @cached_property
    def _scoped(self) -> admin_selectors.ScopedQuerySets:
        return admin_selectors.ScopedQuerySets()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            audit.record_view(request, self.patient_of(obj), f"admin {self.opts.verbose_name} page", obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def patient_of(self, obj) -> Patient:
        for step in filter(None, self.patient_path.split("__")):
            obj = getattr(obj, step)
        return obj


class PatientEnteredAdmin(PatientScopedAdmin):
    """What patients typed is never edited in admin. Superusers may delete (deleting a patient cascades through
    these rows, and Django refuses a cascade the user may not delete)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class PatientChangeList(ChangeList):
    """The patient list: its sortable columns (last entry, days logged, open flags) as annotations of the list's
    query only when it is sorted by one of them (the patient's own pages and the timeline do not pay for them, nor
    does the list in its usual order); each row's figures and adherence read after pagination, for the page's rows
    only."""

    def get_queryset(self, request, exclude_parameters=None):
        if not admin_selectors.sorts_by_figures(self.get_ordering(request, self.root_queryset)):
            return super().get_queryset(request, exclude_parameters)
        scoped = self.root_queryset
        self.root_queryset = admin_selectors.patients_for_changelist(queryset=scoped)
        try:
            return super().get_queryset(request, exclude_parameters)
        finally:
            self.root_queryset = scoped

    def get_results(self, request):
        if not _usual_results(self, request, admin_selectors.PATIENT_LIST):
            self.queryset = admin_selectors.patient_row_columns(self.queryset)
            super().get_results(request)
        admin_selectors.give_row_users(self.result_list)
        figures = admin_selectors.patient_list_figures(patient_ids=[patient.pk for patient in self.result_list])
        timeline_url = admin_rows.pk_url_maker("admin:diary_patient_timeline")
        flags_url = reverse("admin:diary_flag_changelist")
        for patient in self.result_list:
            shown = figures[patient.pk]
            patient.last_entry_date = shown.last_entry_date
            patient.days_logged = shown.days_logged
            patient.active_flag_count = shown.active_flag_count
            patient.adherence_figures = shown.adherence
            patient.timeline_url = timeline_url(patient.pk)
            patient.flags_url = f"{flags_url}?patient={patient.pk}"


@admin.register(Patient)
class PatientAdmin(PatientScopedAdmin):
    patient_path = ""
    list_display = [
        "patient_name",
        "last_entry",
        "days_logged",
        "open_flags",
        "adherence",
        "timeline_link",
    ]
    list_select_related = ["user"]
    rows_select_related = ("user",)
    search_fields = ["user__first_name", "user__last_name", "user__username", "user__email"]
    fields = ["patient_name", "date_of_birth", "callback_phone", "time_zone", "timeline_link", "created"]
    # The clinic records the date of birth; everything else here is the patient's own.
    readonly_fields = ["patient_name", "callback_phone", "time_zone", "timeline_link", "created"]

    def get_changelist(self, request, **kwargs):
        return PatientChangeList

    def has_add_permission(self, request):
        return False  # patients sign up themselves (or follow a clinic's invitation)

    def save_model(self, request, obj, form, change):
        services.patient_record_date_of_birth(patient=obj, date_of_birth=form.cleaned_data["date_of_birth"])

    def get_urls(self):
        return [
            path(
                "<path:object_id>/timeline/",
                self.admin_site.admin_view(self.timeline_view),
                name="diary_patient_timeline",
            ),
            path(
                "<path:object_id>/timeline/export/",
                self.admin_site.admin_view(self.export_view),
                name="diary_patient_export",
            ),
            path(
                "<path:object_id>/summary/",
                self.admin_site.admin_view(self.summary_view),
                name="diary_patient_summary",
            ),
            path(
                "<path:object_id>/summary.pdf",
                self.admin_site.admin_view(self.summary_pdf_view),
                name="diary_patient_summary_pdf",
            ),
            *super().get_urls(),
        ]

    def timeline_view(self, request, object_id):
        return admin_views.patient_timeline(self, request, object_id)

    def export_view(self, request, object_id):
        return admin_views.patient_export(self, request, object_id)

    def summary_view(self, request, object_id):
        return admin_summary.patient_summary(self, request, object_id)

    def summary_pdf_view(self, request, object_id):
        return admin_summary.patient_summary_pdf(self, request, object_id)

    # "Never" sorts before any date and after it in reverse, on SQLite and PostgreSQL alike.
    @admin.display(description="last entry", ordering=F("last_entry_date").asc(nulls_first=True), empty_value="never")
    def last_entry(self, patient):
        return patient.last_entry_date

    @admin.display(description="days logged (14 d)", ordering="days_logged")
    def days_logged(self, patient):
        return patient.days_logged

    @admin.display(description="open flags", ordering="active_flag_count")
    def open_flags(self, patient):
        if not patient.active_flag_count:
            return "0"
        url = getattr(patient, "flags_url", None) or reverse("admin:diary_flag_changelist") + f"?patient={patient.pk}"
        # format_html's markup without its checks (a page writes 50): the same safe string
        return safe(f'<a href="{escape(url)}">{escape(patient.active_flag_count)}</a>')

    @admin.display(description="adherence (14 d)", empty_value="-")
    def adherence(self, patient):
        percent = patient.adherence_figures.percent
        return None if percent is None else f"{percent} %"

    @admin.display(description="diary")
    def timeline_link(self, patient):
        if not patient.pk:
            return "-"
        url = getattr(patient, "timeline_url", None) or reverse("admin:diary_patient_timeline", args=[patient.pk])
        return safe(f'<a href="{escape(url)}">Timeline</a>')  # escaped, as format_html


@admin.register(Treatment)
class TreatmentAdmin(PatientEnteredAdmin):
    list_display = ["__str__", "patient_name", "schedule", "started_on", "ended_on"]
    list_select_related = ["patient__user", "drug"]
    list_filter = [PatientFilter, "drug"]
    search_fields = [
        "patient__user__first_name",
        "patient__user__last_name",
        "patient__user__username",
        "drug__generic_name",
    ]


@admin.register(Entry)
class EntryAdmin(PatientEnteredAdmin):
    list_display = ["date", "patient_name", "itch", "short_notes"]
    list_select_related = ["patient__user"]
    list_filter = [PatientFilter]
    search_fields = ["patient__user__first_name", "patient__user__last_name", "patient__user__username", "notes"]
    ordering = ["-date", "-id"]

    @admin.display(description="notes")
    def short_notes(self, entry):
        return entry.notes[:80]


@admin.register(Application)
class ApplicationAdmin(PatientEnteredAdmin):
    patient_path = "entry__patient"
    list_display = ["applied_at", "patient_name", "treatment", "amount_display"]
    list_select_related = ["entry__patient__user", "treatment__drug"]
    list_filter = [PatientFilter]
    search_fields = [
        "entry__patient__user__first_name",
        "entry__patient__user__last_name",
        "entry__patient__user__username",
        "treatment__drug__generic_name",
    ]


@admin.register(Reaction)
class ReactionAdmin(PatientEnteredAdmin):
    patient_path = "entry__patient"
    list_display = ["entry_date", "patient_name", "symptom", "severity_badge", "body_area"]
    list_select_related = ["entry__patient__user", "symptom", "body_area"]
    list_filter = [PatientFilter, "severity", "symptom"]
    search_fields = [
        "entry__patient__user__first_name",
        "entry__patient__user__last_name",
        "entry__patient__user__username",
        "symptom__name",
    ]

    @admin.display(description="date", ordering="entry__date")
    def entry_date(self, obj):
        return obj.entry.date

    @admin.display(description="severity", ordering="severity")
    def severity_badge(self, obj):
        return format_html('<span class="badge severity-{}">{}</span>', obj.severity, obj.get_severity_display())


class FlagStatusFilter(admin.SimpleListFilter):
    """Status, defaulting to the queue: open or acknowledged."""

    title = "status"
    parameter_name = "status"
    ACTIVE, ALL = "active", "all"

    def lookups(self, request, model_admin):
        return [(self.ACTIVE, "Open or acknowledged"), *Flag.Status.choices, (self.ALL, "All")]

    def choices(self, changelist):
        current = self.value() or self.ACTIVE
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or self.ACTIVE
        if value == self.ALL:
            return queryset
        if value == self.ACTIVE:
            return queryset.filter(status__in=Flag.ACTIVE)
        return queryset.filter(status=value)


class MedicineFilter(admin.RelatedOnlyFieldListFilter):
    """The medicines of the flags the user can see; "any medicine" for rules that apply to every drug."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = "medicine"
        self.empty_value_display = "Any medicine"

    def field_choices(self, field, request, model_admin):
        # Names only: a medicine's row is mostly its guide text, which the filter never shows.
        return admin_selectors.flag_medicines(user=request.user)


def urgency_badge_html(urgency: int, label: str):
    return format_html('<span class="badge urgency-{}">{}</span>', urgency, label)


# A flag's badge depends on its urgency alone (the label is the field's choice): made once per urgency and process.
_badges: dict[int, str] = {}


class FlagChangeList(ChangeList):
    """The queue reads what its rows show (admin_selectors.flag_row_columns); at its usual address, prepared."""

    def get_results(self, request):
        if not _usual_results(self, request, admin_selectors.FLAG_QUEUE):
            self.queryset = admin_selectors.flag_row_columns(self.queryset)
            super().get_results(request)


def _usual_results(cl: ChangeList, request, usual: admin_selectors.UsualAddress) -> bool:
    """Django's `ChangeList.get_results` for a list at its usual address (nothing chosen but one of its first
    pages), with its count and page from `usual`'s prepared reads; False, doing nothing, at any other address."""
    if cl.params or cl.model_admin.show_full_result_count or not 1 <= cl.page_num <= admin_selectors.USUAL_PAGES:
        return False
    count = usual.count(user=request.user)
    paginator = cl.model_admin.get_paginator(request, cl.queryset, cl.list_per_page)
    paginator.count = count  # a cached property: given here, not counted again
    multi_page = count > cl.list_per_page
    number = cl.page_num if multi_page else 1  # a single page shows whatever page was asked for
    try:
        paginator.validate_number(number)
    except InvalidPage:
        raise IncorrectLookupParameters from None
    start = (number - 1) * cl.list_per_page
    cl.result_list = usual.page(user=request.user, start=start, stop=start + cl.list_per_page)
    cl.result_count, cl.full_result_count, cl.show_full_result_count = count, None, False
    cl.show_admin_actions = True  # as Django's when the full count is not shown
    cl.can_show_all, cl.multi_page, cl.paginator = count <= cl.list_max_show_all, multi_page, paginator
    return True


@admin.register(Flag)
class FlagAdmin(PatientScopedAdmin):
    """The triage queue: active flags, emergency first, then oldest."""

    list_display = ["urgency_badge", "patient_name", "medicine", "rule_text", "first_seen", "last_seen", "status"]
    list_display_links = ["rule_text"]
    list_select_related = ["patient__user", "drug"]
    rows_select_related = ("patient__user", "drug", "reviewer")
    list_filter = [FlagStatusFilter, "urgency", ("drug", MedicineFilter), PatientFilter]
    search_fields = ["patient__user__first_name", "patient__user__last_name", "patient__user__username", "rule_text"]
    ordering = ["-urgency", "first_seen", "id"]
    actions = ["acknowledge", "resolve_with_note"]
    fieldsets = [
        (None, {"fields": ["urgency_badge", "status", "patient_name", "call_back", "medicine", "rule_text", "advice"]}),
        ("Evidence", {"fields": ["first_seen", "last_seen", "evidence_display", "entries_link"]}),
        ("Review", {"fields": ["reviewer", "reviewed_at", "review_note", "internal_note"]}),
        ("After an emergency alert", {"fields": ["patient_help", "patient_help_at"]}),
    ]
    readonly_fields = [
        "urgency_badge",
        "status",
        "patient_name",
        "call_back",
        "medicine",
        "rule_text",
        "advice",
        "first_seen",
        "last_seen",
        "evidence_display",
        "entries_link",
        "reviewer",
        "reviewed_at",
        "review_note",
        "internal_note",
        "patient_help",
        "patient_help_at",
    ]

    def get_changelist(self, request, **kwargs):
        return FlagChangeList

    # Flags are written by the flagging service and reviewed through actions, never edited as a form.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("diary.change_flag")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name="diary_flag_review",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def review_view(self, request, object_id):
        return admin_views.flag_review(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_review": self.has_review_permission(request),
            "review_form": FlagReviewForm(),
            "review_url": reverse("admin:diary_flag_review", args=[object_id]),
        }
        flag = self.get_object(request, object_id)
        if flag is not None:
            shows_photos = care.may_view_patient(user=request.user, patient_user=flag.patient.user, photos=True)
            extra_context["shows_photos"] = shows_photos
            extra_context["photos"] = admin_selectors.flag_photos(flag=flag) if shows_photos else []
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="phone for call-backs", empty_value="not given")
    def call_back(self, flag):
        return flag.patient.callback_phone or None

    @admin.display(description="urgency", ordering="-urgency")
    def urgency_badge(self, flag):
        badge = _badges.get(flag.urgency)
        if badge is None:
            badge = urgency_badge_html(flag.urgency, flag.get_urgency_display())
            if flag.urgency in Urgency.values:  # an unknown value is made each time
                _badges[flag.urgency] = badge
        return badge

    @admin.display(description="medicine", ordering="drug__generic_name", empty_value="any medicine")
    def medicine(self, flag):
        read, name = admin_selectors.row_medicine(flag)  # a queue's row: its medicine's name as a column
        if read:
            return name
        return flag.drug.generic_name if flag.drug else None

    @admin.display(description="evidence")
    def evidence_display(self, flag):
        return render_to_string("admin/diary/flag/_evidence.html", {"days": flag.evidence.get("days", [])})

    @admin.display(description="diary entries")
    def entries_link(self, flag):
        dates = flag.matched_dates or [flag.first_seen, flag.last_seen]
        url = reverse("admin:diary_patient_timeline", args=[flag.patient_id])
        start, end = min(dates), max(dates)
        return format_html(
            '<a href="{}?start={}&amp;end={}">Timeline {} to {}</a>',
            url,
            start,
            end,
            f"{start:%d %b %Y}",
            f"{end:%d %b %Y}",
        )

    # --- Actions: each flag goes through the review services; flags in the wrong state are skipped. ---

    @admin.action(description="Acknowledge selected flags", permissions=["review"])
    def acknowledge(self, request, queryset):
        _review_each(
            request,
            queryset,
            "Acknowledged",
            lambda flag: flag_services.flag_acknowledge(flag=flag, reviewer=request.user),
        )

    @admin.action(description="Resolve selected flags with a note…", permissions=["review"])
    def resolve_with_note(self, request, queryset):
        form = ResolveNoteForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            note, internal_note = form.cleaned_data["note"], form.cleaned_data["internal_note"]
            _review_each(
                request,
                queryset,
                "Resolved",
                lambda flag: flag_services.flag_resolve(
                    flag=flag, reviewer=request.user, note=note, internal_note=internal_note
                ),
            )
            return None
        return admin_views.resolve_selected_page(self, request, queryset, form)


def _review_each(request, queryset: QuerySet[Flag], verb: str, review) -> None:
    done, skipped = 0, []
    for flag in queryset.select_related("patient__user"):
        with Refusals() as refusal:
            review(flag)
            done += 1
        if refusal.message:
            skipped.append((flag, refusal.message))
    if done:
        messages.success(request, f"{verb} {done} flag{'s' if done != 1 else ''}.")
    if skipped:
        details = format_html_join("; ", "{} ({}): {}", ((f.rule_text, f.patient, why) for f, why in skipped))
        messages.warning(
            request, format_html("Skipped {} flag{}: {}", len(skipped), "s" if len(skipped) != 1 else "", details)
        )


@admin.register(Photo)
class PhotoAdmin(PatientEnteredAdmin):
    patient_path = "entry__patient"
    needs_photo_consent = True
    view_on_site = False  # the photo's page on the patient site is the patient's own: a 404 for staff
    list_display = ["thumbnail_image", "taken_on", "patient_name", "body_area", "caption"]
    list_filter = ["body_area"]
    list_select_related = ["entry__patient__user", "body_area"]
    raw_id_fields = ["entry"]
    search_fields = [
        "entry__patient__user__first_name",
        "entry__patient__user__last_name",
        "entry__patient__user__username",
        "caption",
    ]
    fields = ["full_image", "entry", "body_area", "caption", "taken_on", "width", "height", "sha256", "created"]
    readonly_fields = fields

    @admin.display(description="photo")
    def thumbnail_image(self, photo):
        return _photo_img(photo, "thumb", 96, lazy=True)

    @admin.display(description="photo")
    def full_image(self, photo):
        url = reverse("diary:photo-file", args=[photo.pk, "image"])
        return format_html('<a href="{}">{}</a>', url, _photo_img(photo, "image", 480))


def _photo_img(photo: Photo, version: str, width: int, *, lazy: bool = False):
    """An <img> of a photo file, served only by diary:photo-file."""
    markup = '<img src="{}" alt="{} on {}" width="{}"' + (' loading="lazy">' if lazy else ">")
    src = reverse("diary:photo-file", args=[photo.pk, version])
    return format_html(markup, src, photo.body_area.name, photo.taken_on, width)


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditLogAdmin(NoJsonLookupsMixin, LogEntryAdmin):
    """The audit trail: superusers read it; nobody adds, edits or deletes entries."""

    # A Python date function per row on big tables (docs/design-notes.md, "Admin (clinicians)"): filters instead.
    date_hierarchy = None
    show_full_result_count = False
    list_filter = ["action", "content_type", "timestamp"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False
