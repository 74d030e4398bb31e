import datetime
import io
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from clinics.consent import CONSENT_VERSION
from clinics.models import CareLink, Clinic, Membership
from diary.models import AmountUnit, Application, Entry, Patient, Photo, Reaction, Treatment
from diary.storage import new_stem, photo_storage
from drugs.models import BodyArea, Drug, Severity, Symptom

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True


class PatientFactory(factory.django.DjangoModelFactory):
    """A patient; `dermatologist=staff` also shares the diary (photos included) with that staff member's clinic."""

    class Meta:
        model = Patient
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    time_zone = "Europe/London"

    @factory.post_generation
    def dermatologist(obj, create, extracted, **kwargs):
        if create and extracted is not None:
            assign(obj, extracted)


# --- The care team ---------------------------------------------------------------------------


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Clinic {n}")


def clinic_of(staff, *, role: str = Membership.Role.DERMATOLOGIST) -> Clinic:
    """The staff member's clinic: the first they work at, or a new one named after them."""
    membership = staff.clinic_memberships.select_related("clinic").first()
    if membership is not None:
        return membership.clinic
    clinic = ClinicFactory(name=f"Clinic of {staff.get_username()}")
    Membership.objects.create(clinic=clinic, user=staff, role=role)
    return clinic


def join_clinic(staff, clinic: Clinic, role: str = Membership.Role.DERMATOLOGIST) -> Membership:
    membership, _ = Membership.objects.update_or_create(clinic=clinic, user=staff, defaults={"role": role})
    return membership


def clinic_staff(clinic: Clinic) -> dict:
    """The people of a clinic as the admin tells them apart: a dermatologist ("derm") and a manager ("manager"), each
    in their group and working there, and an inactive account ("inactive") left in the dermatologists' group."""
    from diary.permissions import ensure_clinic_managers_group, ensure_dermatologists_group

    derm = StaffFactory(username="derm")
    derm.groups.add(ensure_dermatologists_group())
    join_clinic(derm, clinic)
    manager = StaffFactory(username="manager")
    manager.groups.add(ensure_clinic_managers_group())
    join_clinic(manager, clinic, Membership.Role.MANAGER)
    inactive = StaffFactory(username="gone", is_active=False)
    inactive.groups.add(ensure_dermatologists_group())
    return {"derm": derm, "manager": manager, "inactive": inactive}


def assign(patient: Patient, dermatologist, *, photos: bool = True, clinic: Clinic | None = None) -> CareLink:
    """The patient consents to share with the dermatologist's clinic, that dermatologist assigned."""
    clinic = clinic or clinic_of(dermatologist)
    join_clinic(dermatologist, clinic)
    return CareLink.objects.create(
        clinic=clinic,
        patient=patient.user,
        dermatologist=dermatologist,
        source=CareLink.Source.INVITATION,
        consent_version=CONSENT_VERSION,
        consented_at=timezone.now(),
        shares_photos=photos,
    )


# --- Reference rows (the reference loader is written separately; tests make their own) ----


class DrugFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drug
        django_get_or_create = ("slug",)

    slug = "tacrolimus-ointment"
    generic_name = "Tacrolimus ointment"
    drug_class = "Topical calcineurin inhibitor"
    strengths = "0.03%\n0.1%"
    how_to_apply = "Wash and dry your hands.\nApply a thin layer to the affected skin.\nWash your hands afterwards."


class SymptomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Symptom
        django_get_or_create = ("code",)

    code = "burning"
    name = "Burning"
    description = "A burning or stinging feeling where the medicine went on."


class BodyAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BodyArea
        django_get_or_create = ("code",)

    code = "face"
    name = "Face"
    adult_ftu = Decimal("1.0")


# --- Diary rows --------------------------------------------------------------------------


class TreatmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Treatment
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    drug = factory.SubFactory(DrugFactory)
    strength = "0.1%"
    schedule_kind = Treatment.ScheduleKind.DAILY
    schedule_times = 2
    started_on = factory.LazyFunction(lambda: datetime.date(2026, 1, 1))
    usual_amount = Decimal("1.0")
    usual_unit = AmountUnit.FTU

    @factory.post_generation
    def body_areas(obj, create, extracted, **kwargs):
        if create:
            obj.body_areas.set(extracted if extracted is not None else [BodyAreaFactory()])


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    patient = factory.SubFactory(PatientFactory)
    date = factory.LazyAttribute(lambda entry: entry.patient.today())


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application
        skip_postgeneration_save = True

    entry = factory.SubFactory(EntryFactory)
    treatment = factory.SubFactory(TreatmentFactory, patient=factory.SelfAttribute("..entry.patient"))
    applied_at = factory.LazyAttribute(lambda a: a.entry.patient.at(a.entry.date, datetime.time(9, 0)))
    amount = Decimal("1.0")
    unit = AmountUnit.FTU

    @factory.post_generation
    def body_areas(obj, create, extracted, **kwargs):
        if create:
            obj.body_areas.set(extracted if extracted is not None else [BodyAreaFactory()])


class ReactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reaction

    entry = factory.SubFactory(EntryFactory)
    symptom = factory.SubFactory(SymptomFactory)
    severity = Severity.MODERATE
    body_area = factory.SubFactory(BodyAreaFactory)


def jpeg_bytes(colour=(200, 120, 100), size=(120, 90), **params) -> bytes:
    """A small JPEG made in memory; `params` go to Pillow's save (exif=..., comment=...)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", **params)
    return buffer.getvalue()


def _stored(suffix: str) -> str:
    return photo_storage().save(f"{new_stem()}{suffix}.jpg", ContentFile(jpeg_bytes()))


class PhotoFactory(factory.django.DjangoModelFactory):
    """A photo row with real files in photo storage (not run through imaging: fast, for listings)."""

    class Meta:
        model = Photo

    entry = factory.SubFactory(EntryFactory)
    body_area = factory.SubFactory(BodyAreaFactory)
    caption = ""
    taken_on = factory.LazyAttribute(lambda photo: photo.entry.date)
    width = 120
    height = 90
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    image = factory.LazyFunction(lambda: _stored(""))
    thumbnail = factory.LazyFunction(lambda: _stored("_thumb"))
