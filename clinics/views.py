"""The patient's side of the care team: accept an invitation, join by clinic code, withdraw consent."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from clinics import selectors, services
from clinics.consent import CONSENT_VERSION
from clinics.forms import ClinicCodeForm, ConsentForm, StaffAccountForm
from clinics.models import CareLink, JoinRequest

SHARING_PAGE = "diary:sharing"
CODE_GUESSES = "20/h"  # wrong or right, per address: a code cannot be found by trying


def patient_only(view):
    """Signed in, never cached, and a patient's account: staff accounts have no diary to share (404)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_staff:
            raise Http404("Staff accounts have no diary.")
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapper))


def _call(form, service, **kwargs):
    try:
        return service(**kwargs)
    except ValidationError as error:
        form.add_error(None, error.messages)
        return None


@never_cache
def invitation(request, token):
    """An invitation link: what the clinic would see and the consent, or a plain page when it cannot be used.

    Nothing here depends on whether an account exists for the invited address."""
    found = selectors.invitation_by_link(token)
    if found is None or not found.is_open:
        return render(request, "clinics/invitation_unusable.html", status=404)
    if not request.user.is_authenticated:
        next_query = urlencode({"next": request.path})
        context = {"invitation": found, "next_query": next_query}
        return render(request, "clinics/invitation_welcome.html", context)
    if request.user.is_staff:
        return render(request, "clinics/invitation_unusable.html", {"staff": True}, status=404)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        link = _call(
            form,
            services.invitation_accept,
            invitation=found,
            patient_user=request.user,
            shares_photos=form.cleaned_data["photos"],
        )
        if link:
            messages.success(request, f"Your diary is now shared with {link.clinic.name}.")
            return redirect(SHARING_PAGE)
    return _consent_page(request, form, found.clinic)


@sensitive_post_parameters("password1", "password2")
@never_cache
def staff_invitation(request, token):
    """A staff invitation link: a visitor creates their staff account, a signed-in staff member accepts; then
    two-step sign-in (set up first for a new account) before admin opens. Nothing here depends on whether an
    account exists for the invited address."""
    found = selectors.staff_invitation_by_link(token)
    if found is None or not found.is_open:
        return render(request, "clinics/staff_invitation_unusable.html", status=404)
    if request.user.is_authenticated and not request.user.is_staff:
        return render(request, "clinics/staff_invitation_unusable.html", {"patient": True}, status=404)
    if request.user.is_authenticated:
        return _staff_accept(request, found)
    form = StaffAccountForm(request.POST or None, email=found.email)
    if request.method == "POST" and form.is_valid():
        user = _call(
            form,
            services.staff_invitation_register,
            invitation=found,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            name=form.cleaned_data["name"],
        )
        if user:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {found.clinic.name}. Set up two-step sign-in to open the admin.")
            return redirect(f"{reverse('two-factor-setup')}?{urlencode({'next': reverse('admin:index')})}")
    context = {"invitation": found, "form": form, "login_query": urlencode({"next": request.path})}
    return render(request, "clinics/staff_invitation.html", context)


def _staff_accept(request, invitation):
    if request.method == "POST":
        try:
            services.staff_invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"You now work at {invitation.clinic.name} as {invitation.get_role_display()}.")
            return redirect("admin:index")
    return render(request, "clinics/staff_invitation_accept.html", {"invitation": invitation})


def _consent_page(request, form, clinic, **extra):
    context = {"form": form, "clinic": clinic, "consent_version": CONSENT_VERSION, **extra}
    return render(request, "clinics/consent.html", context)


@patient_only
def join(request):
    """Enter a clinic code, then read and give the consent; the request waits for the clinic."""
    requests = JoinRequest.objects.filter(patient=request.user).select_related("clinic")[:10]
    code_form = ClinicCodeForm(request.POST or None)
    if request.method != "POST":
        return render(request, "clinics/join.html", {"form": code_form, "requests": requests})
    if is_ratelimited(request, group="clinic-code", key="ip", rate=CODE_GUESSES, increment=True):
        code_form.add_error(None, "Too many codes tried from here. Try again in an hour, or ask your clinic.")
        return render(request, "clinics/join.html", {"form": code_form, "requests": requests}, status=429)
    clinic = selectors.clinic_by_code(code_form.cleaned_data["code"]) if code_form.is_valid() else None
    if clinic is None:
        if code_form.is_valid():
            code_form.add_error("code", "No clinic has this code. Check it with your clinic (codes can change).")
        return render(request, "clinics/join.html", {"form": code_form, "requests": requests})
    consenting = request.POST.get("step") == "consent"
    form = ConsentForm(request.POST if consenting else None)
    if consenting and form.is_valid():
        made = _call(
            form,
            services.join_request_create,
            clinic=clinic,
            patient_user=request.user,
            shares_photos=form.cleaned_data["photos"],
        )
        if made:
            messages.success(request, f"Request sent to {clinic.name}. Its answer will appear here.")
            return redirect("clinics:join")
    return _consent_page(request, form, clinic, code=clinic.code)


@patient_only
@require_POST
def join_cancel(request, pk):
    join_request = get_object_or_404(JoinRequest, pk=pk, patient=request.user)
    try:
        services.join_request_cancel(join_request=join_request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Your request to {join_request.clinic.name} is cancelled.")
    return redirect("clinics:join")


@patient_only
def withdraw(request, pk):
    """Stop sharing with a clinic (asks once, then takes effect at once)."""
    link = get_object_or_404(CareLink.objects.active().select_related("clinic"), pk=pk, patient=request.user)
    if request.method == "POST":
        services.care_link_withdraw(link=link)
        messages.success(request, f"{link.clinic.name} can no longer see your diary.")
        return redirect(SHARING_PAGE)
    return render(request, "clinics/withdraw_confirm.html", {"link": link, "back": reverse(SHARING_PAGE)})
