from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.export import sign_in_section
        from accounts.middleware import on_login
        from diary.export import register_section

        user_logged_in.connect(on_login, dispatch_uid="accounts_on_login")
        register_section("sign_in", sign_in_section)
