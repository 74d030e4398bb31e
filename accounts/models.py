"""What accounts stores of its own: when account e-mails went to an address, to throttle them."""

from django.db import models


class AccountMail(models.Model):
    """One sign-up or password-reset e-mail sent (or asked for) to an address; only its digest is kept."""

    class Purpose(models.TextChoices):
        SIGN_UP = "sign-up", "Sign-up"
        PASSWORD_RESET = "password-reset", "Password reset"

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    address_digest = models.CharField(max_length=64, help_text="SHA-256 of the lower-cased address, keyed.")
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["address_digest", "purpose", "requested_at"], name="account_mail_recent")]

    def __str__(self):
        return f"{self.get_purpose_display()} at {self.requested_at:%Y-%m-%d %H:%M}"
