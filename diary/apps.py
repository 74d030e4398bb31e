from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = "Patient diaries"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from config.middleware import on_login

        user_logged_in.connect(on_login, dispatch_uid="diary_on_login")
