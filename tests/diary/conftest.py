import datetime
from contextlib import contextmanager
from unittest import mock

import pytest

from tests.factories import BodyAreaFactory, DrugFactory, SymptomFactory, TreatmentFactory

UTC = datetime.UTC


@contextmanager
def frozen(moment: datetime.datetime):
    """Pin Django's clock (timezone.now) to an aware instant."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


@pytest.fixture
def face(db):
    return BodyAreaFactory(code="face", name="Face", adult_ftu="2.5")


@pytest.fixture
def hands(db):
    return BodyAreaFactory(code="hands", name="Hands", adult_ftu="1.0")


@pytest.fixture
def burning(db):
    return SymptomFactory(code="burning", name="Burning")


@pytest.fixture
def redness(db):
    return SymptomFactory(code="redness", name="Redness", description="Skin looks redder than usual.")


@pytest.fixture
def tacrolimus(db):
    return DrugFactory()


@pytest.fixture
def mometasone(db):
    return DrugFactory(
        slug="mometasone-cream",
        generic_name="Mometasone furoate cream",
        strengths="0.1%",
        how_to_apply="Apply once a day.",
    )


@pytest.fixture
def course(patient, tacrolimus, face):
    return TreatmentFactory(patient=patient, drug=tacrolimus, body_areas=[face], started_on=datetime.date(2026, 1, 1))


@pytest.fixture
def other_course(other_patient, tacrolimus, face):
    return TreatmentFactory(patient=other_patient, drug=tacrolimus, body_areas=[face])


@pytest.fixture
def tacrolimus_course(reference, patient):
    """A twice-daily course of the reference's tacrolimus ointment on the face, started 30 days ago."""
    from diary import services
    from drugs.models import BodyArea, Drug

    return services.treatment_create(
        patient=patient,
        drug=Drug.objects.get(slug="tacrolimus-ointment"),
        strength="0.1% ointment (1 mg/g)",
        body_areas=[BodyArea.objects.get(code="face_neck")],
        schedule_kind="daily",
        schedule_times=2,
        started_on=patient.today() - datetime.timedelta(days=30),
    )
