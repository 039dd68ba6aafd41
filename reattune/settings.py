"""Reattune's one settings module, driven by environment variables (listed in docs/settings.md).

SQLite in WAL mode is the default; set REATTUNE_DATABASE_URL to a postgres:// URL for PostgreSQL.
"""

import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

from reattune.lib.env import SettingError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("REATTUNE_DATA_DIR", str(BASE_DIR.parent / "var"))).resolve()


def _secret_key() -> str:
    """Use REATTUNE_SECRET_KEY, or a random key kept in the data folder so sessions and
    check links survive restarts without anyone having to write a secrets file."""
    from_env = env_str("REATTUNE_SECRET_KEY", "")
    if from_env:
        if len(from_env) < 32:
            raise SettingError("REATTUNE_SECRET_KEY must be at least 32 characters long")
        return from_env
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("REATTUNE_DEBUG", False)
ALLOWED_HOSTS = env_list("REATTUNE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "reattune.audit",
    "reattune.accounts",
    "reattune.vault",
    "reattune.backups",
    "reattune.breakglass",
    "reattune.clinics",
    "reattune.cases",
    "reattune.measures",
    "reattune.checks",
    "reattune.alerts",
    "reattune.ethics",
    "reattune.repairs",
    "reattune.supervision",
    "reattune.learning",
    "reattune.reviews",
    "reattune.reports",
    "reattune.demo",
    "reattune.core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Idle and absolute session lifetimes, and a deactivated user's sessions ended.
    "reattune.accounts.middleware.SessionPolicyMiddleware",
    # No protected page without the second factor once enrolment is due.
    "reattune.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "reattune.core.headers.PrivatePageHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Innermost, so its transaction wraps only the view and its row sees the final outcome.
    "reattune.audit.middleware.AuditMiddleware",
    # django-axes asks to be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reattune.urls"
WSGI_APPLICATION = "reattune.wsgi.application"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("REATTUNE_DATABASE_URL", "")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "reattune.sqlite3",
            # WAL lets readers and the one writer proceed together; IMMEDIATE takes the write
            # lock at BEGIN so two submissions never deadlock upgrading a read lock.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    if not url.startswith(("postgres://", "postgresql://")):
        raise SettingError(
            "REATTUNE_DATABASE_URL must be a postgres:// URL (leave it unset for SQLite), "
            f"not {url.split(':', 1)[0]!r}"
        )
    return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "clinics.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out account or address before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("REATTUNE_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the app folders, so neither the demo nor the tests need collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Email: printed to the console unless an SMTP host is given.
EMAIL_HOST = env_str("REATTUNE_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("REATTUNE_EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("REATTUNE_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_str("REATTUNE_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("REATTUNE_EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("REATTUNE_FROM_EMAIL", "Reattune <reattune@localhost>")

# Background work. Immediate for now: the email runs in the request, after the response is
# safely stored; a failure is logged and never loses the submission.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "reattune.core.views.csrf_failure"
SESSION_COOKIE_SECURE = env_bool("REATTUNE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Reattune's own settings.
CHECK_LINK_HOURS = env_int("REATTUNE_CHECK_LINK_HOURS", 72, minimum=1)
MEASURES_DIR = env_str("REATTUNE_MEASURES_DIR", "")
# A folder of the clinic's own ethics obligation files (docs/ethics.md), beside the shipped ones.
ETHICS_DIR = env_str("REATTUNE_ETHICS_DIR", "")
BASE_URL = env_str("REATTUNE_BASE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"reattune": {"handlers": ["console"], "level": "INFO"}},
}
