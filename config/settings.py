"""Settings for the skin-treatment diary, read from the environment (and a developer's .env file).

Production is the default: DEBUG is off unless DJANGO_DEBUG is set, and a secret
key must then come from DJANGO_SECRET_KEY. See .env.example for every variable.
"""

import datetime
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, read_env_file

BASE_DIR = Path(__file__).resolve().parent.parent

# A developer's git-ignored .env (make run writes one with DJANGO_DEBUG=1). Production sets real
# environment variables, which always win; DJANGO_ENV_FILE= (empty) turns the file off.
_env_file = env_str("DJANGO_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file:
    read_env_file(Path(_env_file))

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production settings need a long random secret key, e.g. "
            "DJANGO_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))'). "
            "For local development set DJANGO_DEBUG=1 instead (make run does)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "config.apps.ProjectAdminConfig",  # django.contrib.admin with our site (config/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "auditlog",
    "drugs",
    "clinics",
    "diary",
    "accounts",
    "reminders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "config.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.SessionMiddleware",  # Django's, leaving the cookie alone for a key a sign-in replaced
    "accounts.middleware.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.middleware.AuthenticationMiddleware",  # Django's, with the user read prepared
    "accounts.otp_middleware.PreparedOTPMiddleware",  # django-otp's, with the device read prepared
    "accounts.middleware.TwoFactorMiddleware",
    "config.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",  # django-csp's, the usual header built once
    # Last, so it sees every authentication attempt the other middleware let through.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # A patient's passkey signs them in on its own (accounts/passkey_views.py; staff give the password first).
    "django_otp_webauthn.backends.WebAuthnBackend",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "diary.context_processors.care_team",
                "diary.context_processors.alert_contacts",
                "diary.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"


# Database: an embedded SQLite file by default, PostgreSQL (or any URL dj-database-url
# understands) through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers share one file: WAL lets readers run beside a writer,
    # IMMEDIATE takes the write lock at BEGIN (so a read that later writes cannot
    # deadlock into "database is locked"), and the timeout makes writers queue.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("DJANGO_SQLITE_TIMEOUT", 20),
        "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The prepared reads (prepared/) have the server bind their parameters, and psycopg prepares each once a
    # connection has run it this many times: PostgreSQL then plans it once per connection, not on every request
    # (docs/operations.md). 0 turns preparing off, for a pooler that cannot keep prepared statements (PgBouncer in
    # transaction mode before 1.21). The ORM's other queries keep Django's client-side binding either way.
    _prepare_threshold = env_int("DJANGO_PG_PREPARE_THRESHOLD", 5)
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "prepare_threshold": _prepare_threshold if _prepare_threshold > 0 else None,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What Progress and the visit summary work out from a diary's rows is kept per process under a digest of those rows
# (diary/kept.py). `make bench` turns it off to measure those pages on a miss, as right after a write.
DIARY_KEEP_DERIVED = True

# The default cache holds the rate limits' counts (django-ratelimit), so it must be one that every worker of a
# deployment shares: a table in the database by default (created by migration clinics 0003, or by
# `manage.py createcachetable`), needing no other service. Point it at Redis or Memcached with these two
# variables (docs/operations.md). Per-process caches get aliases of their own, never "default".
_SHARED_CACHE = {
    "BACKEND": env_str("DJANGO_CACHE_BACKEND") or "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": env_str("DJANGO_CACHE_LOCATION") or "django_cache",
}
CACHES = {
    "default": _SHARED_CACHE,
    # Shared by all workers (the same store as "default"): what is made from the reference data alone, keyed by its
    # version, made once for all (drugs/caching.py); old versions' values expire after a week.
    "reference": {**_SHARED_CACHE, "TIMEOUT": 7 * 24 * 3600},
    # Per process, never shared: what is made from the reference data alone, keyed by its version
    # (drugs/caching.py). Nothing of a patient's diary goes in it.
    "pages": {
        "BACKEND": "config.caches.LocalMemoryCache",  # Django's, without the memcached key check
        "LOCATION": "pages",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# English only: without translation machinery every {{ value }}, date filter and {% url %} skips a language
# lookup (10 % of the History page's server time in a profile, docs/benchmark.md). Formats stay en-us.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Patients' photos: MEDIA_ROOT/photos, owner-only file modes, no URL (served by an authorised view).
    "photos": {"BACKEND": "diary.storage.PhotoStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "config.static_storage.StaticStorage"  # whitenoise's, each URL worked out once
        )
    },
}

# Photo uploads: diary/imaging.py refuses files over 15 MB with a message on the form. Django does not
# count files against DATA_UPLOAD_MAX_MEMORY_SIZE (that is for the other fields, kept at Django's 2.5 MB),
# and an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE is spooled to a temporary file instead of memory.
# The web server in front must accept a little more than 15 MB (nginx: client_max_body_size 16m).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Empty: the photo view sends the bytes itself. A prefix such as "/protected-photos/": after its check
# the view answers with an empty body and X-Accel-Redirect: <prefix><file name>, and nginx sends the
# file from an `internal` location (docs/operations.md, "nginx").
PHOTO_SENDFILE = env_str("DJANGO_PHOTO_X_ACCEL_REDIRECT", "")
if PHOTO_SENDFILE and not (PHOTO_SENDFILE.startswith("/") and PHOTO_SENDFILE.endswith("/")):
    raise ImproperlyConfigured("DJANGO_PHOTO_X_ACCEL_REDIRECT must be a path like /protected-photos/ (or empty).")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Phone numbers an alert offers to call. 112 reaches emergency services from any mobile phone in the EU
# and is forwarded in many other countries; set the deployment country's own (999, 911...). The
# non-emergency line (e.g. 111, or a poison centre) is optional and shown next to it when set.
EMERGENCY_NUMBER = env_str("DJANGO_EMERGENCY_NUMBER", "112")
NON_EMERGENCY_NUMBER = env_str("DJANGO_NON_EMERGENCY_NUMBER")
NON_EMERGENCY_NAME = env_str("DJANGO_NON_EMERGENCY_NAME", "Non-emergency medical advice")
for _name, _number in [
    ("DJANGO_EMERGENCY_NUMBER", EMERGENCY_NUMBER),
    ("DJANGO_NON_EMERGENCY_NUMBER", NON_EMERGENCY_NUMBER),
]:
    if _number and not re.fullmatch(r"\+?[0-9 ]{2,20}", _number):
        raise ImproperlyConfigured(f"{_name} must be a phone number (digits, spaces, an optional leading +).")
if not EMERGENCY_NUMBER:
    raise ImproperlyConfigured("DJANGO_EMERGENCY_NUMBER must not be empty.")

# The public address of the site, for links in e-mails sent outside a request (clinician alerts).
SITE_URL = env_str("DJANGO_SITE_URL", "http://127.0.0.1:8000")

# Reminders (reminders app): Web Push signs with these VAPID keys (make them with
# `python manage.py make_vapid_keys`); without them reminders go by e-mail only. A reminder whose
# runner was down at its time is still sent up to the grace period late, and skipped after that.
VAPID_PUBLIC_KEY = env_str("DJANGO_VAPID_PUBLIC_KEY")
VAPID_PRIVATE_KEY = env_str("DJANGO_VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env_str("DJANGO_VAPID_SUBJECT", "mailto:no-reply@localhost")
if bool(VAPID_PUBLIC_KEY) != bool(VAPID_PRIVATE_KEY):
    raise ImproperlyConfigured("Set both DJANGO_VAPID_PUBLIC_KEY and DJANGO_VAPID_PRIVATE_KEY, or neither.")
REMINDER_GRACE_MINUTES = env_int("DJANGO_REMINDER_GRACE_MINUTES", 30)

# E-mail: printed to the console while developing, SMTP in production.
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Skin diary <no-reply@localhost>")
SERVER_EMAIL = env_str("DJANGO_SERVER_EMAIL", DEFAULT_FROM_EMAIL)
if DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
    EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("Set only one of DJANGO_EMAIL_USE_TLS and DJANGO_EMAIL_USE_SSL.")

# Transport security: on by default in production, each switchable for a proxy setup
# (e.g. TLS ends at a proxy that already redirects and sets HSTS).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, the row read by a prepared read (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions end after this long without a request (accounts.middleware renews them); a password
# change ends every other session of the account (Django's session hash does that).
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_IDLE_MINUTES", 30) * 60
# A patient who ticks "keep me signed in on this device" at log-in stays signed in this long after their last
# visit; sensitive actions still ask for the password again (diary.reauth). Never for staff.
KEEP_SIGNED_IN_SECONDS = env_int("DJANGO_KEEP_SIGNED_IN_DAYS", 30) * 24 * 60 * 60
PERMISSIONS_POLICY = "camera=(self), geolocation=(), microphone=(), payment=(), usb=()"

# A strict Content-Security-Policy: our own origin only, no inline script or style.
# (data: images are Bootstrap's CSS icons; photos carry their own `sandbox` policy.)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Audit trail (django-auditlog): every change to patient data, with who and from where; views of a
# patient's data by anyone but the patient are written by diary.audit. Free text is not copied.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "diary.Patient", "exclude_fields": ["updated"]},
    {"model": "diary.Treatment", "exclude_fields": ["updated", "instructions"]},
    {"model": "diary.Entry", "exclude_fields": ["updated", "notes"]},
    {"model": "diary.Application", "exclude_fields": ["updated"]},
    {"model": "diary.Reaction", "exclude_fields": ["updated"]},
    {"model": "diary.Flag", "exclude_fields": ["updated", "evidence", "advice", "rule_text", "review_note"]},
    {"model": "diary.Photo", "exclude_fields": ["caption", "image", "thumbnail", "sha256"]},
    {"model": "clinics.Clinic", "exclude_fields": ["updated"]},
    {"model": "clinics.Membership"},
    {"model": "clinics.CareLink", "exclude_fields": ["updated"]},
    {"model": "clinics.Invitation", "exclude_fields": ["token_digest"]},
    {"model": "clinics.JoinRequest"},
    {"model": "clinics.ShareLink", "exclude_fields": ["token_digest"]},
    # Second factors: added, renamed, removed (never their keys, nor the counters each use updates).
    {"model": "otp_totp.TOTPDevice", "include_fields": ["user", "name", "confirmed"]},
    {"model": "otp_static.StaticDevice", "include_fields": ["user", "name", "confirmed"]},
    {"model": "django_otp_webauthn.WebAuthnCredential", "include_fields": ["user", "name", "confirmed"]},
)
# Two-step sign-in (django-otp): staff must enrol an authenticator app before admin opens;
# patients may opt in. Codes are throttled by django-otp after failures.
OTP_TOTP_ISSUER = env_str("DJANGO_OTP_ISSUER", "Skin diary")
# Passkeys (django-otp-webauthn): bound to the site's host name (the relying party id). The origin defaults to
# DJANGO_SITE_URL when that is https; browsers allow passkeys over plain http only on localhost.
PASSKEY_ORIGIN = env_str(
    "DJANGO_PASSKEY_ORIGIN", SITE_URL.rstrip("/") if SITE_URL.startswith("https://") else "http://localhost:8000"
)
OTP_WEBAUTHN_ALLOWED_ORIGINS = [PASSKEY_ORIGIN]
OTP_WEBAUTHN_RP_ID = urlsplit(PASSKEY_ORIGIN).hostname
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER

# Login protection (django-axes): after AXES_FAILURE_LIMIT failures for one username or from one
# address, logins are refused for AXES_COOLOFF_MINUTES; a password reset or a superuser
# deleting the attempt in admin (or `manage.py axes_reset_username`) unlocks at once.
AXES_FAILURE_LIMIT = env_int("DJANGO_AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("DJANGO_AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The client address (per-address lockout): config.client's rule, the same as the audit trail's.
AXES_CLIENT_IP_CALLABLE = "config.client.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "token"]
AXES_VERBOSE = env_bool("DJANGO_AXES_VERBOSE", False)  # attempts are in admin; lockouts are still logged

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}
