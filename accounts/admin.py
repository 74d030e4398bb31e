"""Passkeys in admin: a superuser sees and removes a user's passkeys (django-otp-webauthn's own admin class; the
library leaves registering it to the project). Authenticator apps and recovery codes are django-otp's admins."""

from django.contrib import admin
from django_otp_webauthn.admin import WebAuthnCredentialAdmin
from django_otp_webauthn.models import WebAuthnCredential

admin.site.register(WebAuthnCredential, WebAuthnCredentialAdmin)
