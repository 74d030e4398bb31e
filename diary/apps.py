from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = "Patient diaries"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from config.middleware import mark_session_renewed

        user_logged_in.connect(mark_session_renewed, dispatch_uid="mark_session_renewed")
