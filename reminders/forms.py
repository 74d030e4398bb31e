from django import forms

from diary.forms import TimeInput
from diary.models import MAX_TIMES_PER_DAY
from reminders.models import ReminderSettings
from reminders.schedule import WEEKDAY_NAMES


class ReminderSettingsForm(forms.ModelForm):
    channel = forms.ChoiceField(
        choices=ReminderSettings.Channel.choices, widget=forms.RadioSelect, label="Remind me by"
    )

    class Meta:
        model = ReminderSettings
        fields = ["channel", "email_fallback", "quiet_start", "quiet_end", "check_in", "check_in_time"]
        widgets = {"quiet_start": TimeInput, "quiet_end": TimeInput, "check_in_time": TimeInput}
        help_texts = {"quiet_start": "No reminder comes between these times (leave both empty for none)."}

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("quiet_start") is None) != (cleaned.get("quiet_end") is None):
            self.add_error("quiet_end", "Give both ends of your quiet hours, or leave both empty.")
        return cleaned


class ReminderScheduleForm(forms.Form):
    """Up to MAX_TIMES_PER_DAY dose times (empty ones ignored) and the days of the week."""

    weekdays = forms.TypedMultipleChoiceField(
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="On these days",
        error_messages={"required": "Choose at least one day of the week."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, MAX_TIMES_PER_DAY + 1):
            self.fields[f"time_{n}"] = forms.TimeField(
                required=False, widget=TimeInput, label=f"Dose time {n}" + (" (optional)" if n > 1 else "")
            )

    @property
    def time_fields(self):
        return [self[f"time_{n}"] for n in range(1, MAX_TIMES_PER_DAY + 1)]

    def clean(self):
        cleaned = super().clean()
        times = [cleaned.get(f"time_{n}") for n in range(1, MAX_TIMES_PER_DAY + 1)]
        cleaned["times"] = sorted({t.replace(second=0, microsecond=0) for t in times if t is not None})
        if not cleaned["times"] and not any(self.has_error(f"time_{n}") for n in range(1, MAX_TIMES_PER_DAY + 1)):
            self.add_error("time_1", "Give at least one dose time.")
        return cleaned

    @staticmethod
    def initial_for(schedule) -> dict:
        initial = {"weekdays": list(schedule.weekdays)}
        for n, text in enumerate(schedule.times, start=1):
            initial[f"time_{n}"] = text
        return initial
