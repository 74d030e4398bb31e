"""The demo patient's diary: about 60 days that tell a story a first-time visitor can follow.

A tacrolimus course on the face from day one; early burning that lasts a week (a warning sign, resolved by
the dermatologist with a note); a flare in weeks 3 to 4 (peak itch 7 or more for days: acknowledged; POEM
rising into the severe band: still open) with a short ruxolitinib course on the arm; then recovery. POEM every
week, peak itch and sleep loss every day, photos of the face at the start, the worst of the flare and the end
(through the real photo processing). Rows are written in bulk and the flags come from the real evaluation,
once, so `make run` stays quick.
"""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.db import transaction
from PIL import Image, ImageDraw

from diary import flag_services, imaging, scores, storage
from diary.models import AmountUnit, Application, Entry, Flag, Patient, Photo, PoemScore, Reaction, Treatment
from drugs.models import BodyArea, Drug, Symptom

DAYS = 60
FLARE = range(16, 30)  # days (from the first) of the flare
# Weekly POEM totals: moderate, rising by 3 a week into the severe band at the flare's height, then down.
POEM_TOTALS = [9, 11, 14, 17, 19, 14, 10, 6, 4]
NOTES = {
    1: "Stings for a few minutes after putting it on.",
    17: "Itchy all evening, woke up twice.",
    21: "Worst week so far. Started the ruxolitinib on the arm.",
    40: "Much calmer, hardly think about it.",
}


def _itch(day: int) -> int:
    """Peak itch: 4-5 at the start, up to 8 in the flare, down to 1-2 by the end."""
    if day in FLARE:
        return min(9, 5 + (day - FLARE.start) // 2) if day < 23 else max(3, 8 - (day - 23))
    return 5 if day < FLARE.start else max(1, 4 - (day - FLARE.stop) // 6)


def _photo(severity: float, seed: int) -> io.BytesIO:
    """A skin-coloured picture with a red patch whose size follows the severity (0 to 1)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480), (224, 182, 160))
    draw = ImageDraw.Draw(image)
    radius = 40 + int(160 * severity)
    for _ in range(40):
        x, y = 320 + rng.randint(-radius, radius) // 2, 240 + rng.randint(-radius, radius) // 2
        r = rng.randint(radius // 4, radius // 2)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(200 + rng.randint(0, 30), 90, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    buffer.seek(0)
    return buffer


@transaction.atomic
def tell(*, patient: Patient, dermatologist) -> str:
    """Write the story into an empty diary; do nothing if the patient already has one. Returns what happened."""
    if Entry.objects.filter(patient=patient).exists() or PoemScore.objects.filter(patient=patient).exists():
        return "  demo diary: already there"
    tacrolimus = Drug.objects.filter(slug="tacrolimus-ointment").first()
    ruxolitinib = Drug.objects.filter(slug="ruxolitinib-cream").first()
    face = BodyArea.objects.filter(code="face_neck").first()
    arm = BodyArea.objects.filter(code="arm_one").first()
    symptoms = {s.code: s for s in Symptom.objects.filter(code__in=["burning", "itching", "dryness_flaking"])}
    if not (tacrolimus and ruxolitinib and face and arm and len(symptoms) == 3):
        return ""  # no reference loaded (some tests): nothing to tell
    rng = random.Random(17)
    today = patient.today()
    first = today - datetime.timedelta(days=DAYS - 1)

    course = Treatment.objects.create(
        patient=patient,
        drug=tacrolimus,
        strength=tacrolimus.strength_list[-1] if tacrolimus.strength_list else "",
        schedule_kind=Treatment.ScheduleKind.DAILY,
        schedule_times=2,
        started_on=first,
        instructions="Thin layer on the red patches, morning and evening.",
        usual_amount=Decimal("1.5"),
        usual_unit=AmountUnit.FTU,
    )
    course.body_areas.set([face])
    flare_course = Treatment.objects.create(
        patient=patient,
        drug=ruxolitinib,
        schedule_kind=Treatment.ScheduleKind.DAILY,
        schedule_times=2,
        started_on=first + datetime.timedelta(days=21),
        ended_on=first + datetime.timedelta(days=34),
        instructions="Twice a day on the arm until it settles, at most 60 g a week.",
        usual_amount=Decimal("3"),
        usual_unit=AmountUnit.FTU,
    )
    flare_course.body_areas.set([arm])

    entries = Entry.objects.bulk_create(
        Entry(
            patient=patient,
            date=first + datetime.timedelta(days=n),
            itch=_itch(n),
            sleep_loss=max(0, _itch(n) - 3 + rng.randint(-1, 1)),
            notes=NOTES.get(n, ""),
        )
        for n in range(DAYS)
    )
    applications, reactions = [], []
    for n, entry in enumerate(entries):
        for treatment in (course, flare_course):
            if not treatment.is_active_on(entry.date):
                continue
            for hour in (8, 21):
                if hour == 21 and rng.random() < 0.12:
                    continue  # a forgotten evening dose now and then
                at = patient.at(entry.date, datetime.time(hour, rng.randint(0, 40)))
                applications.append(
                    Application(entry=entry, treatment=treatment, applied_at=at, amount=treatment.usual_amount)
                )
        if 1 <= n <= 8:  # early burning, as tacrolimus often does, for 8 days: a warning sign
            reactions.append(Reaction(entry=entry, symptom=symptoms["burning"], severity=1, body_area=face))
        if n in FLARE:
            severity = 3 if 20 <= n <= 24 else 2
            reactions.append(Reaction(entry=entry, symptom=symptoms["itching"], severity=severity, body_area=face))
        if n % 3 == 0 or n in FLARE:
            reactions.append(Reaction(entry=entry, symptom=symptoms["dryness_flaking"], severity=1, body_area=face))
    Application.objects.bulk_create(applications)
    Through = Application.body_areas.through
    Through.objects.bulk_create(
        Through(application=a, bodyarea=face if a.treatment_id == course.pk else arm) for a in applications
    )
    Reaction.objects.bulk_create(reactions)
    for week, total in enumerate(POEM_TOTALS):
        day = first + datetime.timedelta(days=min(7 * week + 3, DAYS - 1))
        answers = [min(4, max(0, total - 4 * q)) for q in range(len(scores.POEM_QUESTIONS))]
        PoemScore.objects.create(
            patient=patient,
            date=day,
            total=scores.poem_total(answers),
            **dict(zip(PoemScore.ANSWER_FIELDS, answers, strict=True)),
        )
    for n, severity in ((0, 0.5), (23, 1.0), (DAYS - 1, 0.1)):
        processed = imaging.process_upload(_photo(severity, n))
        names = storage.save_processed(processed)
        Photo.stored(entry=entries[n], body_area=face, processed=processed, names=names, caption="Left cheek").save()

    flag_services.flags_reevaluate_all(patient=patient, notify=False)
    flags = {f.rule_text: f for f in Flag.objects.filter(patient=patient)}
    for text, flag in flags.items():
        if "burning" in text.lower():
            flag_services.flag_resolve(
                flag=flag,
                reviewer=dermatologist,
                note="Burning in the first week is common with tacrolimus and it settled. Carry on as prescribed.",
            )
        elif flag.score_rule and "itch" in text.lower():
            flag_services.flag_acknowledge(
                flag=flag, reviewer=dermatologist, note="Seen: ruxolitinib added for the arm."
            )
    return f"  demo diary: {DAYS} days for 'patient' (a flare and its recovery, weekly POEM, photos, flags)"
