from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders and push"

    def ready(self):
        from diary.export import register_section
        from reminders.export import reminders_section

        register_section("reminders", reminders_section)
