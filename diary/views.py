from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from diary import services
from diary.forms import SignUpForm
from diary.models import Patient


@never_cache
def home(request):
    """The landing page for visitors; a signed-in patient's diary for today."""
    if not request.user.is_authenticated:
        return render(request, "landing.html")
    return today(request)


@login_required
@never_cache
def today(request):
    patient = Patient.objects.filter(user=request.user).first()
    if patient is None:
        return render(request, "diary/no_diary.html")
    return render(request, "diary/today.html", {"patient": patient, "today": patient.today()})


@sensitive_post_parameters("password1", "password2")
@never_cache
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = services.patient_register(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            time_zone=form.cleaned_data["time_zone"],
        )
        login(request, patient.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your diary is ready.")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})
