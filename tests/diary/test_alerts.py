"""What the patient sees when an entry matches a warning sign: at once, most urgent first."""

import datetime

import pytest
from django.urls import reverse

from diary import flag_services, selectors, services
from diary.models import Flag
from drugs.models import Symptom, Urgency

pytestmark = pytest.mark.django_db


def log(client, patient, code: str, severity: int = 1, day=None):
    day = day or patient.today()
    return client.post(
        reverse("diary:reaction-add", args=[day]),
        {"symptom": Symptom.objects.get(code=code).pk, "severity": severity},
    )


def test_a_reaction_that_matches_a_warning_sign_shows_its_advice_right_after_saving(client, patient, tacrolimus_course):
    client.force_login(patient.user)

    response = log(client, patient, "cold_sores_herpes")

    assert response["Location"] == "/#alerts"
    page = client.get("/").content.decode()
    flag = Flag.objects.get()
    assert 'id="alerts"' in page
    assert "Contact your clinician today" in page
    assert flag.advice in page
    assert "/guide/tacrolimus-ointment/#urgency-today" in page
    assert reverse("diary:alert-detail", args=[flag.pk]) in page


def test_a_reaction_without_a_warning_sign_returns_to_the_reactions(client, patient, tacrolimus_course):
    client.force_login(patient.user)

    response = log(client, patient, "redness")

    assert response["Location"] == "/#reactions"
    assert 'id="alerts"' not in client.get("/").content.decode()


def test_emergency_advice_comes_first_and_cannot_be_missed(client, patient, tacrolimus_course):
    client.force_login(patient.user)
    log(client, patient, "blistering")
    log(client, patient, "breathing_difficulty")

    page = client.get("/").content.decode()

    emergency = page.index("Call emergency services now")
    soon = page.index("Contact your clinician within 1")
    assert emergency < soon
    assert page.count('role="alert"') >= 1
    assert page.rindex('role="alert"', 0, emergency) > page.index('id="alerts"')


def test_a_rule_for_any_medicine_links_to_the_guide_of_the_patients_course(client, patient, tacrolimus_course):
    client.force_login(patient.user)

    log(client, patient, "hives")

    assert "/guide/tacrolimus-ointment/#urgency-today" in client.get("/").content.decode()


def test_an_earlier_day_shows_its_own_alerts_only(client, patient, tacrolimus_course):
    client.force_login(patient.user)
    yesterday = patient.today() - datetime.timedelta(days=1)
    log(client, patient, "blistering", day=yesterday)

    assert "Blisters" in client.get(reverse("diary:day", args=[yesterday])).content.decode()
    today = client.get("/").content.decode()
    assert 'id="alerts"' not in today
    assert "You have 1 other open alert" in today


def test_my_alerts_lists_open_and_past_flags_with_the_dermatologists_note(
    client, patient, tacrolimus_course, dermatologist
):
    client.force_login(patient.user)
    log(client, patient, "blistering", day=patient.today() - datetime.timedelta(days=3))
    flag_services.flag_resolve(flag=Flag.objects.get(), reviewer=dermatologist, note="Seen in clinic: healing well.")
    log(client, patient, "cold_sores_herpes")

    page = client.get(reverse("diary:alert-list")).content.decode()

    assert page.index("Contact your clinician today") < page.index("Past")
    assert "Resolved" in page
    assert "Seen in clinic: healing well." in page


def test_an_alert_page_shows_what_it_is_based_on(client, patient, tacrolimus_course):
    client.force_login(patient.user)
    log(client, patient, "blistering", severity=2)
    flag = Flag.objects.get()

    page = client.get(reverse("diary:alert-detail", args=[flag.pk])).content.decode()

    assert "Blisters: moderate" in page
    assert reverse("diary:day", args=[patient.today()]) in page


def test_a_withdrawn_alert_says_why(client, patient, tacrolimus_course):
    client.force_login(patient.user)
    log(client, patient, "blistering")
    flag = Flag.objects.get()
    services.reaction_delete(patient=patient, reaction=flag.entry.reactions.get())

    page = client.get(reverse("diary:alert-detail", args=[flag.pk])).content.decode()

    assert "no longer shows the warning sign" in page


@pytest.mark.parametrize("name", ["diary:alert-list", "diary:alert-detail"])
def test_alert_pages_send_an_anonymous_visitor_to_log_in(client, patient, tacrolimus_course, name):
    services.reaction_create(
        patient=patient, date=patient.today(), symptom=Symptom.objects.get(code="blistering"), severity=1
    )
    args = [Flag.objects.get().pk] if name == "diary:alert-detail" else []

    response = client.get(reverse(name, args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_another_patients_alert_is_not_found(client, patient, other_patient, tacrolimus_course):
    services.reaction_create(
        patient=patient, date=patient.today(), symptom=Symptom.objects.get(code="blistering"), severity=1
    )
    client.force_login(other_patient.user)

    assert client.get(reverse("diary:alert-detail", args=[Flag.objects.get().pk])).status_code == 404
    assert "Blisters" not in client.get(reverse("diary:alert-list")).content.decode()


def test_my_alerts_costs_the_same_queries_with_many_flags(
    client, patient, tacrolimus_course, django_assert_max_num_queries
):
    client.force_login(patient.user)
    for n in range(1, 12):
        log(client, patient, "blistering", day=patient.today() - datetime.timedelta(days=n * 3))
        Flag.objects.filter(status=Flag.Status.OPEN).update(status=Flag.Status.RESOLVED)

    with django_assert_max_num_queries(8):
        assert client.get(reverse("diary:alert-list")).status_code == 200


def test_after_a_write_the_day_opens_where_its_own_active_alerts_are(patient, other_patient):
    """The redirect's anchor says what the day's alerts box shows: emergency first, only active flags whose evidence
    holds that day, only this patient's."""
    today = patient.today()
    yesterday = today - datetime.timedelta(days=1)

    def flag(who, urgency, day, status=Flag.Status.OPEN):
        evidence = {"days": [{"date": day.isoformat(), "reactions": []}]}
        return Flag.objects.create(
            patient=who, urgency=urgency, status=status, first_seen=day, last_seen=day, rule_text="R", evidence=evidence
        )

    def anchors():
        shown = [
            "#emergency" if alerts.emergency else "#alerts" if alerts.flags else ""
            for alerts in (selectors.alerts_on(patient=patient, day=d) for d in (today, yesterday))
        ]
        assert shown == [selectors.alert_anchor(patient=patient, day=d) for d in (today, yesterday)]
        return shown

    flag(other_patient, Urgency.EMERGENCY, other_patient.today())
    flag(patient, Urgency.EMERGENCY, today, status=Flag.Status.RESOLVED)
    assert anchors() == ["", ""]
    flag(patient, Urgency.TODAY, yesterday)
    assert anchors() == ["", "#alerts"]
    flag(patient, Urgency.ROUTINE, today, status=Flag.Status.ACKNOWLEDGED)
    assert anchors() == ["#alerts", "#alerts"]
    flag(patient, Urgency.EMERGENCY, today)
    assert anchors() == ["#emergency", "#alerts"]
