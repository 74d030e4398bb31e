import pytest

from clinics.models import Clinic, Membership
from diary.permissions import ensure_clinic_managers_group, ensure_dermatologists_group
from tests.factories import ClinicFactory, StaffFactory, join_clinic


@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Northside Skin Clinic", alert_email="duty@northside.example")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(name="Southside Dermatology")


@pytest.fixture
def derm(clinic):
    user = StaffFactory(username="dr-grey", first_name="Meredith", last_name="Grey")
    user.groups.add(ensure_dermatologists_group())
    join_clinic(user, clinic, Membership.Role.DERMATOLOGIST)
    return user


@pytest.fixture
def other_derm(other_clinic):
    user = StaffFactory(username="dr-white", first_name="Ann", last_name="White")
    user.groups.add(ensure_dermatologists_group())
    join_clinic(user, other_clinic, Membership.Role.DERMATOLOGIST)
    return user


@pytest.fixture
def manager(clinic):
    user = StaffFactory(username="mgr-north", first_name="Pat", last_name="Manager")
    user.groups.add(ensure_clinic_managers_group())
    join_clinic(user, clinic, Membership.Role.MANAGER)
    return user


def clinic_named(name: str) -> Clinic:
    return Clinic.objects.get(name=name)


def raise_today_flag(patient):
    """Put the patient on the reference's tacrolimus and log cold sores today: a "today" flag (needs `reference`)."""
    import datetime

    from diary import services
    from drugs.models import BodyArea, Drug, Symptom

    services.treatment_create(
        patient=patient,
        drug=Drug.objects.get(slug="tacrolimus-ointment"),
        strength="0.1% ointment (1 mg/g)",
        body_areas=[BodyArea.objects.get(code="face_neck")],
        schedule_kind="daily",
        schedule_times=2,
        started_on=patient.today() - datetime.timedelta(days=30),
    )
    services.reaction_create(
        patient=patient, date=patient.today(), symptom=Symptom.objects.get(code="cold_sores_herpes"), severity=1
    )
