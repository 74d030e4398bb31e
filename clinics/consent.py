"""The consent a patient gives a clinic. The words are in templates/clinics/_consent_text.html; change the
version whenever they change, so each recorded consent says which words the patient agreed to."""

CONSENT_VERSION = "2026-11-25"
