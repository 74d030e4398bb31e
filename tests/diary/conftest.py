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
