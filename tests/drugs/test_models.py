"""Small behaviours of the reference models."""

from drugs.models import Drug, Severity, Urgency, WarningSign


def test_a_rule_states_its_conditions_in_plain_words():
    rule = WarningSign(min_severity=Severity.MODERATE, persists_days=7, after_course_days=14)

    assert rule.conditions == [
        "moderate or severe",
        "lasting 7 days or more",
        "14 days or more into the course",
    ]
    assert WarningSign(min_severity=Severity.MILD).conditions == []


def test_urgencies_sort_most_urgent_first_and_say_what_to_do():
    assert sorted(Urgency, reverse=True)[0] == Urgency.EMERGENCY
    assert Urgency.EMERGENCY.code == "emergency"
    assert "emergency services" in Urgency.EMERGENCY.meaning


def test_search_needs_every_word_to_match_some_name(reference):
    assert list(Drug.objects.search("ointment tacrolimus").values_list("slug", flat=True)) == ["tacrolimus-ointment"]
    assert not Drug.objects.search("tacrolimus cream").exists()
    assert Drug.objects.search("").count() == 8


def test_a_rule_summary_reads_as_one_sentence_with_the_same_conditions(reference):
    sign = WarningSign.objects.filter(persists_days__isnull=False, min_severity=Severity.MILD, drug__isnull=False)[0]
    assert (
        sign.summary
        == f"{str(sign.drug).capitalize()}: {sign.symptom.name.lower()} lasting {sign.persists_days} days or more"
    )
    any_drug = WarningSign(symptom=sign.symptom, min_severity=Severity.SEVERE, after_course_days=14)
    assert any_drug.summary == f"Any medicine: {sign.symptom.name.lower()} (severe), 14 days or more into the course"
    assert all(part in any_drug.conditions for part in ["severe", "14 days or more into the course"])
