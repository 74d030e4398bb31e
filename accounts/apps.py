from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import on_login

        user_logged_in.connect(on_login, dispatch_uid="accounts_on_login")
