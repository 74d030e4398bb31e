"""manage.py load_reference: all or nothing, safe to repeat, and kind to clinicians' own rules."""

import copy
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from drugs.models import (
    AmountLimit,
    BodyArea,
    CommonSideEffect,
    Drug,
    Regimen,
    Source,
    Symptom,
    Urgency,
    WarningSign,
)
from drugs.reference import DEFAULT_PATH, validate
from drugs.selectors import UsualSchedule, usual_schedules

MODELS = [Source, Symptom, BodyArea, Drug, Regimen, CommonSideEffect, WarningSign, AmountLimit]


@pytest.fixture(scope="module")
def shipped():
    return json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def _load(path=None) -> str:
    out = StringIO()
    call_command("load_reference", *(["--file", str(path)] if path else []), stdout=out)
    return out.getvalue()


def _write(tmp_path, data):
    path = tmp_path / "reference.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _snapshot():
    return {model.__name__: sorted(tuple(row.values()) for row in model.objects.values()) for model in MODELS} | {
        "rule sources": sorted(WarningSign.sources.through.objects.values_list("warningsign_id", "source_id"))
    }


def test_the_first_load_creates_everything_in_the_shipped_file(db, shipped):
    output = _load()

    assert Drug.objects.count() == 8
    assert Symptom.objects.count() == 48
    assert BodyArea.objects.count() == 11
    assert WarningSign.objects.count() == len(shipped["warning_signs"])
    assert AmountLimit.objects.count() == len(shipped["amount_limits"])
    assert "warning signs: 84 created, 0 updated, 0 unchanged" in output
    assert "drugs: 8 created, 0 updated, 0 unchanged" in output


def test_a_second_load_reports_everything_unchanged_and_changes_nothing(db):
    _load()
    before = _snapshot()

    output = _load()

    assert _snapshot() == before
    lines = [line for line in output.splitlines() if line.startswith("  ")]
    assert lines and all(" 0 created, 0 updated, " in line for line in lines)
    assert "Everything was already up to date." in output


def test_a_changed_file_updates_the_record_in_place_and_names_it(db, shipped, tmp_path):
    _load()
    rule = WarningSign.objects.get(reference_key="tacrolimus-ointment/burning/severity-1/persists-7")
    data = copy.deepcopy(shipped)
    data["warning_signs"][10]["advice"] = "New wording."
    data["warning_signs"][10]["urgency"] = "today"

    output = _load(_write(tmp_path, data))

    rule.refresh_from_db()
    assert (rule.advice, rule.urgency) == ("New wording.", Urgency.TODAY)
    assert "warning signs: 0 created, 1 updated, 83 unchanged" in output
    assert "updated tacrolimus-ointment/burning/severity-1/persists-7" in output


def test_a_clinicians_edit_of_a_file_rule_survives_a_reload_of_the_same_file(db):
    _load()
    rule = WarningSign.objects.get(reference_key="tacrolimus-ointment/burning/severity-1/persists-7")
    rule.advice = "Our clinic: ring the eczema nurse line."
    rule.urgency = Urgency.TODAY
    rule.save()
    drug = Drug.objects.get(slug="tacrolimus-ointment")
    drug.storage = "Keep in the fridge door (clinic advice)."
    drug.save()

    output = _load()

    rule.refresh_from_db()
    drug.refresh_from_db()
    assert (rule.advice, rule.urgency) == ("Our clinic: ring the eczema nurse line.", Urgency.TODAY)
    assert drug.storage == "Keep in the fridge door (clinic advice)."
    assert "kept as edited in admin: tacrolimus-ointment/burning/severity-1/persists-7" in output
    assert "kept as edited in admin: tacrolimus-ointment" in output
    assert "warning signs: 0 created, 0 updated, 83 unchanged" in output


def test_a_new_version_of_a_record_in_the_file_replaces_an_admin_edit_and_says_so(db, shipped, tmp_path):
    _load()
    rule = WarningSign.objects.get(reference_key="tacrolimus-ointment/burning/severity-1/persists-7")
    rule.advice = "Edited in admin."
    rule.save()
    data = copy.deepcopy(shipped)
    data["warning_signs"][10]["advice"] = "The file's new wording."

    output = _load(_write(tmp_path, data))

    rule.refresh_from_db()
    assert rule.advice == "The file's new wording."
    assert "updated tacrolimus-ointment/burning/severity-1/persists-7" in output


def test_a_clinician_added_rule_survives_a_reload(db):
    _load()
    drug = Drug.objects.get(slug="tacrolimus-ointment")
    own = WarningSign.objects.create(
        drug=drug, symptom=Symptom.objects.get(code="pain"), urgency=Urgency.TODAY, advice="Call the ward."
    )
    own.sources.add(Source.objects.create(title="Our ward's protocol"))
    limit = AmountLimit.objects.create(drug=drug, max_grams_per_week=30, urgency=Urgency.SOON, advice="Too much.")

    _load()

    own.refresh_from_db()
    assert own.advice == "Call the ward." and own.reference_key == ""
    assert [s.title for s in own.sources.all()] == ["Our ward's protocol"]
    assert AmountLimit.objects.filter(pk=limit.pk).exists()


def test_a_rule_gone_from_the_file_is_reported_and_kept(db, shipped, tmp_path):
    _load()
    data = copy.deepcopy(shipped)
    gone = data["warning_signs"].pop(0)

    output = _load(_write(tmp_path, data))

    assert "warning signs: any/face_lip_tongue_swelling/severity-1" in output
    assert WarningSign.objects.filter(symptom__code=gone["symptom"], drug=None).exists()


def _set(section, index, key, value):
    def change(data):
        data[section][index][key] = value

    return change


def _regimen_schedule(drug, regimen, value):
    def change(data):
        data["drugs"][drug]["regimens"][regimen]["schedule"] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _set("warning_signs", 12, "symptom", "sneezing"),
            "warning_signs[12] (tacrolimus-ointment / sneezing): symptom 'sneezing' is not one of the file's symptoms",
        ),
        (
            _set("warning_signs", 12, "min_severity", 4),
            "warning_signs[12] (tacrolimus-ointment / warmth): min_severity 4 is not 1 to 3",
        ),
        (
            _set("warning_signs", 12, "urgency", "later"),
            "warning_signs[12] (tacrolimus-ointment / warmth): "
            "urgency 'later' is not one of routine, soon, today, emergency",
        ),
        (_set("warning_signs", 12, "sources", []), "warning_signs[12] (tacrolimus-ointment / warmth): has no source"),
        (
            _set("warning_signs", 12, "drug", "aspirin-gel"),
            "warning_signs[12] (aspirin-gel / warmth): drug 'aspirin-gel' is not one of the file's drugs",
        ),
        (
            _set("warning_signs", 12, "advice", ""),
            "warning_signs[12] (tacrolimus-ointment / warmth): advice is missing",
        ),
        (_set("amount_limits", 0, "urgency", "whenever"), "amount_limits[0] (calcipotriene): urgency 'whenever'"),
        (_set("amount_limits", 0, "sources", []), "amount_limits[0] (calcipotriene): has no source"),
        (_set("amount_limits", 0, "max_grams_per_week", 0), "amount_limits[0] (calcipotriene): max_grams_per_week"),
        (
            _set("drugs", 2, "common_side_effects", [{"symptom": "glowing"}]),
            "drugs[2] (imiquimod-cream), common_side_effects[0]: symptom 'glowing' is not one of the file's symptoms",
        ),
        (_regimen_schedule(0, 0, {"times": 2, "per": "fortnight"}), "regimens[0]: schedule must be an object"),
        (_regimen_schedule(0, 0, {"times": 9, "per": "day"}), "regimens[0], schedule: times 9 is not 1 to 7"),
        (_set("body_areas", 0, "adult_ftu", -1), "body_areas[0] (face_neck): adult_ftu -1"),
        (_set("symptoms", 1, "code", "burning"), "symptoms: code 'burning' appears more than once"),
    ],
)
def test_a_file_with_a_bad_record_is_refused_whole_naming_the_record(db, shipped, tmp_path, change, message):
    data = copy.deepcopy(shipped)
    change(data)

    with pytest.raises(CommandError) as refused:
        _load(_write(tmp_path, data))

    assert message in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert all(not model.objects.exists() for model in MODELS)


def test_a_bad_record_late_in_the_file_leaves_an_earlier_good_change_unwritten(db, shipped, tmp_path):
    _load()
    before = _snapshot()
    data = copy.deepcopy(shipped)
    data["symptoms"].append({"code": "new_one", "name": "New one", "description": "Fine."})
    data["symptoms"][0]["name"] = "Burning feeling"
    data["amount_limits"][-1]["urgency"] = "later"

    with pytest.raises(CommandError, match=r"amount_limits\[2\] \(ruxolitinib-cream\): urgency 'later'"):
        _load(_write(tmp_path, data))

    assert _snapshot() == before


def test_a_file_that_is_not_json_is_refused_with_a_message(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")

    with pytest.raises(CommandError, match="not valid JSON"):
        _load(path)


def test_every_rule_in_the_shipped_file_has_a_source_and_advice(shipped):
    assert validate(shipped) == []
    for rule in shipped["warning_signs"] + shipped["amount_limits"]:
        assert rule["advice"].strip()
        assert rule["sources"] and all(source["title"].strip() for source in rule["sources"])


def test_every_loaded_rule_has_a_source_and_advice(reference):
    for model in (WarningSign, AmountLimit):
        assert not model.objects.filter(sources=None).exists()
        assert not model.objects.filter(advice="").exists()


def test_the_reference_fixture_loads_everything(reference):
    assert Drug.objects.count() == 8
    assert WarningSign.objects.exclude(reference_key="").count() == 84


# How each frequency the file words as a plain number reads; its schedule must say the same.
SCHEDULE_WORDS = {
    (1, "daily"): ["once daily"],
    (2, "daily"): ["twice daily"],
    (2, "weekly"): ["2 times per week", "twice a week"],
    (3, "weekly"): ["3 times per week"],
    (5, "weekly"): ["5 times per week"],
}


def test_each_regimens_schedule_says_what_its_sourced_frequency_says(reference):
    scheduled = Regimen.objects.filter(schedule_times__isnull=False)

    assert scheduled.count() >= 8  # every medicine of the guide has one
    for regimen in scheduled:
        words = SCHEDULE_WORDS[regimen.schedule_times, regimen.schedule_kind]
        assert any(word in regimen.frequency.lower() for word in words), regimen
        assert regimen.sources.exists(), regimen
    assert set(Drug.objects.values_list("pk", flat=True)) == set(scheduled.values_list("drug", flat=True))


def test_tacrolimus_is_usually_applied_twice_a_day_and_mometasone_once(reference):
    usual = usual_schedules()

    assert usual[Drug.objects.get(slug="tacrolimus-ointment").pk] == UsualSchedule(times=2, kind="daily")
    assert usual[Drug.objects.get(slug="mometasone-furoate").pk] == UsualSchedule(times=1, kind="daily")
    assert usual[Drug.objects.get(slug="imiquimod-cream").pk] == UsualSchedule(times=2, kind="weekly")
