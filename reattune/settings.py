"""Reattune's one settings module, driven by environment variables (listed in docs/settings.md).

SQLite in WAL mode is the default; set REATTUNE_DATABASE_URL to a postgres:// URL for PostgreSQL.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE

from reattune.lib.database import database_config
from reattune.lib.env import (
    SettingError,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_time_zone,
    env_url,
    env_url_list,
    origin,
    refuse_unknown,
)
from reattune.worker.clock import env_clock, env_clock_or_off

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
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "ninja",
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
    "reattune.api",
    "reattune.fhir",
    "reattune.imports",
    "reattune.exports",
    "reattune.demo",
    "reattune.core",
    "reattune.worker",
]

MIDDLEWARE = [
    # Outermost, so its one line per request times everything below, the audit row included.
    "reattune.core.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that can refuse a request (a bad Host header is refused in
    # CommonMiddleware), so every HTML page, error pages too, carries the policy with a nonce,
    # and every response with client data says no-store (docs/security.md).
    "csp.middleware.CSPMiddleware",
    "reattune.core.headers.PrivatePageHeadersMiddleware",
    # Before the host check (CommonMiddleware), which would fail a load balancer's probe by
    # address on a healthy server; after the headers, which it gets like every response. The
    # https redirect exempts it (SECURE_REDIRECT_EXEMPT). reattune/core/health.py.
    "reattune.core.health.HealthCheckMiddleware",
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
                "reattune.breakglass.context.break_glass",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    # SQLite in WAL mode with full synchronous writes unless a PostgreSQL URL is given
    # (reattune/lib/database.py; docs/backups.md).
    return database_config(url=env_str("REATTUNE_DATABASE_URL", ""), data_dir=DATA_DIR)


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
# Length and a common-password list, no composition rules (NIST SP 800-63B, 5.1.1.2): at least
# 8 characters, and long passphrases welcome up to 128.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {
        "NAME": "reattune.accounts.validators.MaximumLengthValidator",
        "OPTIONS": {"max_length": 128},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Argon2id for every new hash; PBKDF2 still checks (and on log-in upgrades) older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_time_zone("REATTUNE_TIME_ZONE", "Europe/London")
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
    # SSL from the first byte (usually port 465), or STARTTLS on a plain connection (587).
    EMAIL_USE_SSL = env_bool("REATTUNE_EMAIL_USE_SSL", False)
    EMAIL_USE_TLS = env_bool("REATTUNE_EMAIL_USE_TLS", not EMAIL_USE_SSL)
    if EMAIL_USE_SSL and EMAIL_USE_TLS:
        raise SettingError(
            "REATTUNE_EMAIL_USE_SSL and REATTUNE_EMAIL_USE_TLS cannot both be on: SSL is for "
            "port 465, STARTTLS (TLS) for port 587; turn one off"
        )
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("REATTUNE_FROM_EMAIL", "Reattune <reattune@localhost>")

# Background work (docs/worker.md). "database": tasks wait in the database for `reattune worker`,
# which retries them and shows the ones that kept failing to the clinic's admin. "immediate":
# each task runs inside the request that asked for it (the test suite's choice).
TASK_BACKENDS = {
    "database": "reattune.worker.backend.QueueBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_TASK_BACKEND = env_str("REATTUNE_TASK_BACKEND", "database")
if _TASK_BACKEND not in TASK_BACKENDS:
    raise SettingError(
        f"REATTUNE_TASK_BACKEND must be one of {', '.join(TASK_BACKENDS)}, not {_TASK_BACKEND!r}"
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[_TASK_BACKEND]}}
# A task that raised runs again after TASK_RETRY_SECONDS, then twice that, and so on, up to
# TASK_MAX_ATTEMPTS runs in all; then it stays failed and its clinic's admin sees it.
TASK_MAX_ATTEMPTS = env_int("REATTUNE_TASK_MAX_ATTEMPTS", 3, minimum=1)
TASK_RETRY_SECONDS = env_int("REATTUNE_TASK_RETRY_SECONDS", 30, minimum=1)
# A running task whose worker has not been heard from for this long is run again elsewhere.
WORKER_LEASE_SECONDS = env_int("REATTUNE_WORKER_LEASE_SECONDS", 60, minimum=5)
# Tasks waiting to run beyond this are refused at once with a clear error, not queued for hours.
TASK_QUEUE_LIMIT = env_int("REATTUNE_TASK_QUEUE_LIMIT", 10000, minimum=1)
# The worker's daily jobs, as times of day in REATTUNE_TIME_ZONE.
RECALIBRATE_AT = env_clock("REATTUNE_RECALIBRATE_AT", "02:30")
CLEAR_LINKS_AT = env_clock("REATTUNE_CLEAR_LINKS_AT", "03:00")
PRUNE_TASKS_AT = env_clock("REATTUNE_PRUNE_TASKS_AT", "03:30")
ESCALATE_AT = env_clock("REATTUNE_ESCALATE_AT", "07:00")
# An emailed check link still unanswered after this many hours gets one reminder (0: never).
LINK_REMINDER_HOURS = env_int("REATTUNE_LINK_REMINDER_HOURS", 24)
# Each client in a case with a session scheduled for tomorrow gets one reminder, sent daily
# at this time (in REATTUNE_TIME_ZONE); "off" (the default): none. Off until a clinic turns it
# on: addresses given before this version were given for check links alone.
SESSION_REMINDER_AT = env_clock_or_off("REATTUNE_SESSION_REMINDER_AT", "off")
# Finished tasks are kept this long (a failed one only once its admin dismissed or retried it).
TASK_RESULT_DAYS = env_int("REATTUNE_TASK_RESULT_DAYS", 14, minimum=1)

# Sign-in and sessions (docs/sign-in.md).
SESSION_IDLE_MINUTES = env_int("REATTUNE_SESSION_IDLE_MINUTES", 15, minimum=1)
SESSION_MAX_HOURS = env_int("REATTUNE_SESSION_MAX_HOURS", 12, minimum=1)
if SESSION_MAX_HOURS > 12:
    raise SettingError(
        f"REATTUNE_SESSION_MAX_HOURS must be at most 12 (a working day), not {SESSION_MAX_HOURS}"
    )
# The cookie dies with the browser; the server ends the session at SESSION_MAX_HOURS whatever.
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECOND_FACTOR_GRACE_DAYS = env_int("REATTUNE_SECOND_FACTOR_GRACE_DAYS", 0)
OTP_TOTP_ISSUER = "Reattune"
# Each wrong code doubles the wait before the next try (1, 2, 4 … seconds), per device.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# django-axes: per account and per address, counted separately; either one locks.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = env_int("REATTUNE_LOCKOUT_FAILURES", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("REATTUNE_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "reattune.accounts.lockout.username_of"
AXES_PASSWORD_FORM_FIELD = "password"  # noqa: S105 - the form field's name
AXES_CLIENT_IP_CALLABLE = "reattune.accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "reattune.accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_NEVER_LOCKOUT_GET = True
# The audit log is the record of log-ins; axes keeps only its failure counters.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# How many reverse proxies you run in front of Reattune: 0 trusts only the connecting address;
# 1 (or more) takes the address that many hops from the right of X-Forwarded-For.
TRUSTED_PROXIES = env_int("REATTUNE_TRUSTED_PROXIES", 0)

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

# Production security (docs/security.md). REATTUNE_PRODUCTION is the one switch for a server
# real people use: HTTPS only, and start-up refuses what `reattune check --deploy` would warn
# about. Off by default, so the demo and the tests stay on plain http on 127.0.0.1.
PRODUCTION = env_bool("REATTUNE_PRODUCTION", False)
HSTS_ONE_YEAR = 365 * 24 * 60 * 60
SILENCED_SYSTEM_CHECKS: list[str] = []
if PRODUCTION:
    if DEBUG:
        raise SettingError("REATTUNE_DEBUG must be off when REATTUNE_PRODUCTION is on")
    if not env_list("REATTUNE_ALLOWED_HOSTS", []) or "*" in ALLOWED_HOSTS:
        raise SettingError(
            "REATTUNE_ALLOWED_HOSTS must name this server's host names (not *) when "
            "REATTUNE_PRODUCTION is on"
        )
    # Django's own test of a strong key (security.W009): long, and not a repeated character.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise SettingError(
            "REATTUNE_SECRET_KEY must be at least 50 random characters when REATTUNE_PRODUCTION "
            "is on (or leave it unset to use the random key file in the data folder)"
        )
    SECURE_SSL_REDIRECT = True
    # Probed by address over plain http from the machine or the load balancer (docs/deploy.md).
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = HSTS_ONE_YEAR
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading asks browsers to hard-code HTTPS for the whole domain, and takes months to
    # undo: the owner of the domain must choose it. Without it, Django's reminder is silenced.
    SECURE_HSTS_PRELOAD = env_bool("REATTUNE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")
# Only behind a proxy that terminates TLS and sets X-Forwarded-Proto itself: otherwise anyone
# could send the header and pass a plain http request off as a secure one.
if env_bool("REATTUNE_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Reattune's own settings.
CHECK_LINK_HOURS = env_int("REATTUNE_CHECK_LINK_HOURS", 72, minimum=1)
MEASURES_DIR = env_str("REATTUNE_MEASURES_DIR", "")
# A folder of the clinic's own ethics obligation files (docs/ethics.md), beside the shipped ones.
ETHICS_DIR = env_str("REATTUNE_ETHICS_DIR", "")
BASE_URL = env_url("REATTUNE_BASE_URL", "", https_only=PRODUCTION)
if PRODUCTION:
    # Without these a real server would quietly send nobody anything: invitations, password
    # resets and check links would go to the console log, or carry links to nowhere.
    if not BASE_URL:
        raise SettingError(
            "REATTUNE_BASE_URL must be set when REATTUNE_PRODUCTION is on: it is the https:// "
            "address in every emailed link (for example https://reattune.example.org)"
        )
    if not EMAIL_HOST:
        raise SettingError(
            "REATTUNE_EMAIL_HOST must be set when REATTUNE_PRODUCTION is on: without a mail "
            "server, invitations, password resets and check links are only printed to the log"
        )
# A form posted from another origin is refused; the address in REATTUNE_BASE_URL is trusted
# even when a proxy rewrites the Host header, and REATTUNE_CSRF_TRUSTED_ORIGINS adds others.
CSRF_TRUSTED_ORIGINS = [
    *([origin(BASE_URL)] if BASE_URL else []),
    *env_url_list("REATTUNE_CSRF_TRUSTED_ORIGINS"),
]

# A bare page for the load benchmark to compare against (docs/benchmarks.md); never in production.
BENCHMARK_VIEWS = env_bool("REATTUNE_BENCHMARK_VIEWS", False)

# The JSON API (docs/api.md): requests per token per minute, and the largest body it reads.
API_RATE_PER_MINUTE = env_int("REATTUNE_API_RATE_PER_MINUTE", 120, minimum=1)
API_MAX_BODY_BYTES = env_int("REATTUNE_API_MAX_BODY_BYTES", 1_000_000, minimum=1024)


# Encryption at rest (docs/encryption.md). Free text is sealed under these keys, never under
# SECRET_KEY: REATTUNE_ENCRYPTION_KEYS ("id:key,id:key", the first seals new text) or, when it is
# unset, the key file REATTUNE_KEY_FILE (default <data dir>/encryption-keys, made on first start,
# mode 0600). Bad key material stops start-up, naming the variable.
def _encryption_keys() -> tuple[tuple[tuple[str, bytes], ...], str]:
    from reattune.vault.keys import keys_from_environment

    return keys_from_environment(DATA_DIR)


ENCRYPTION_KEYS, ENCRYPTION_KEY_FILE = _encryption_keys()
# Emergency ("break-glass") access to a client outside one's caseload lasts this long
# (docs/break-glass.md). Four hours at most: longer is a caseload change, not an emergency.
BREAK_GLASS_MINUTES = env_int("REATTUNE_BREAK_GLASS_MINUTES", 60, minimum=1)
if BREAK_GLASS_MINUTES > 240:
    raise SettingError(
        "REATTUNE_BREAK_GLASS_MINUTES must be at most 240 (four hours), "
        f"not {BREAK_GLASS_MINUTES}; for longer, add the person to the client's case"
    )

# Logging (docs/security.md): every logger writes to the console through NoClientData, which
# keeps an exception's type, the route and the request id, and drops exception messages, request
# bodies and query strings. SQL and its parameters are never logged.
_NO_CLIENT_DATA = ["no_client_data"]
# One JSON line per request on the logger reattune.requests (reattune/core/request_log.py).
REQUEST_LOG = env_bool("REATTUNE_REQUEST_LOG", True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_client_data": {"()": "reattune.lib.logs.NoClientData"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(route)s %(request_id)s] %(message)s"
        },
        "json_line": {"format": "%(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": _NO_CLIENT_DATA,
            "formatter": "plain",
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "filters": _NO_CLIENT_DATA,
            "formatter": "django.server",
        },
        "requests": {
            "class": "logging.StreamHandler",
            "filters": _NO_CLIENT_DATA,
            "formatter": "json_line",
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Django's default writes errors to the console only in DEBUG (and mails them, request
        # and all, to ADMINS): here they go up to the root's filtered console handler instead.
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"level": "INFO", "filters": _NO_CLIENT_DATA},
        "django.security": {"level": "INFO", "filters": _NO_CLIENT_DATA},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "reattune": {"level": "INFO", "filters": _NO_CLIENT_DATA},
        # Its own handler, so each line is the JSON alone, written once (not again by the root's).
        "reattune.requests": {
            "handlers": ["requests"],
            "level": "INFO",
            "filters": _NO_CLIENT_DATA,
            "propagate": False,
        },
    },
}

# Read outside this module: the encryption keys (reattune/vault/keys.py) and the test suite's
# switches (tests/ci_plugin.py, tests/conftest.py).
READ_ELSEWHERE = (
    "REATTUNE_ENCRYPTION_KEYS",
    "REATTUNE_KEY_FILE",
    "REATTUNE_CI_NO_SKIPS",
    "REATTUNE_REQUIRE_POSTGRES",
)
# Last, once every setting has been read: a misspelt variable stops start-up, naming it.
refuse_unknown(os.environ, also_known=READ_ELSEWHERE)
