"""Settings for the case-monitoring project.

One file; everything that differs between deployments comes from the environment.
Without any environment the project runs in demo mode on SQLite (``make run``).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
DEMO_MODE = env_bool("DEMO_MODE", False)
# The development key is refused when serving with DEBUG off (wsgi.py, asgi.py and the system
# check cases.E001), not here, so offline commands such as makemigrations work without it.
INSECURE_SECRET_KEY = SECRET_KEY == DEV_SECRET_KEY and not DEBUG and not DEMO_MODE

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts.apps.SecureAdminConfig",  # django.contrib.admin, behind the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "accounts",
    "cases",
    "reminders",
    "audit",
    "observations",
    "imports",
    "exports",
    "stats",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "accounts.middleware.NoStoreMiddleware",  # outside WhiteNoise: static files keep theirs
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.language.UserLanguageMiddleware",  # after authentication: the user's language
    "audit.middleware.AuditMiddleware",  # after authentication: the actor is the user
    "accounts.middleware.OTPMiddleware",  # django-otp's, its device query compiled once
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",  # after messages: it leaves one on logout
    "accounts.middleware.TwoFactorMiddleware",  # after LoginRequiredMiddleware's redirect
    "axes.middleware.AxesMiddleware",  # last, as Axes asks: turns a lockout into its page
]

ROOT_URLCONF = "monitoring.urls"

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "reminders.context_processors.notifications",
            ],
        },
    },
]

# Django's form templates, the commonest (inputs, selects, labels) written in Python: same HTML.
FORM_RENDERER = "cases.form_renderer.FastRenderer"

WSGI_APPLICATION = "monitoring.wsgi.application"

# Database: SQLite by default, PostgreSQL (or anything dj-database-url reads) from DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters, and a statement run 5 times on a connection is prepared: its
    # plan is kept, where planning the timeline's joins costs more than running them
    # (timeline 44 -> 33 ms; README "Benchmark"). DB_PREPARE_THRESHOLD=0 turns both off,
    # as a transaction-pooling PgBouncer needs.
    _prepare = int(os.environ.get("DB_PREPARE_THRESHOLD", "5"))
    DATABASES["default"].setdefault("OPTIONS", {})
    if _prepare > 0:
        DATABASES["default"]["OPTIONS"].update(
            {"server_side_binding": True, "prepare_threshold": _prepare}
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id for new and changed passwords; the others still check older hashes, which are
# re-hashed with Argon2 at the user's next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Accounts (accounts/, README "Security"): lockout, second factor, session lifetime.
# ModelBackend behind Axes' lockout check, as one backend (see accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
# 0: locked until an administrator deletes the attempt (admin, or `manage.py axes_reset`).
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30"))) or None
# Lock out the pair (username, address), never the username alone: anyone could otherwise lock
# a monitor out from everywhere by typing wrong passwords under their name, at the worst moment.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The client address. Behind a reverse proxy, set the header it writes and the number of
# proxies, e.g. HTTP_X_FORWARDED_FOR,REMOTE_ADDR and 1 (read by accounts.net.client_ip).
AXES_CLIENT_IP_CALLABLE = "accounts.net.client_ip"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_IPWARE_PROXY_COUNT") or "0") or None
AXES_IPWARE_META_PRECEDENCE_ORDER = tuple(
    env_list("AXES_IPWARE_META_PRECEDENCE_ORDER", "REMOTE_ADDR")
)
# Logins are in the security log and the audit trail: no second table of addresses.
AXES_DISABLE_ACCESS_LOG = True
# Masked in the failed attempts Axes stores (it always masks "password").
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "old_password"]
# Supervisors, exporters and admins must use a second factor; off in development and demo.
REQUIRE_2FA = env_bool("REQUIRE_2FA", not DEBUG and not DEMO_MODE)
# The name authenticator apps show beside the codes (a discreet one may be wiser on phones
# that can be searched).
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Case monitoring")
# Django's database sessions, read with SQL compiled once per process.
SESSION_ENGINE = "accounts.session_store"
# Seconds without a request before a session is logged out, and since login in any case.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", str(12 * 3600)))

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("km", _("Khmer"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates per language: "1 January 2023", "1 ខែ មករា ឆ្នាំ 2023" (README "Languages").
FORMAT_MODULE_PATH = ["monitoring.formats"]
TIME_ZONE = "Asia/Phnom_Penh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_bool("STATIC_MANIFEST", True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# No MEDIA_URL: attachments are never served as static files, only through a view that checks
# who may see the case. Limits per kind of attachment, in megabytes.
ATTACHMENT_MAX_MB = {
    "photo": int(os.environ.get("ATTACHMENT_PHOTO_MAX_MB", "10")),
    "audio": int(os.environ.get("ATTACHMENT_AUDIO_MAX_MB", "25")),
    "document": int(os.environ.get("ATTACHMENT_DOCUMENT_MAX_MB", "10")),
}
# Imports (imports/, README "Imports"): the largest file, its most rows, what an .xlsx may
# unpack to (a zip bomb is refused before it is read), days reports and unconfirmed files
# are kept.
IMPORT_MAX_MB = int(os.environ.get("IMPORT_MAX_MB", "10"))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "50000"))
IMPORT_MAX_UNPACKED_MB = int(os.environ.get("IMPORT_MAX_UNPACKED_MB", "100"))
IMPORT_KEEP_DAYS = int(os.environ.get("IMPORT_KEEP_DAYS", "7"))

# Sessions and cookies.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE = env_bool("DJANGO_SECURE", False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie (forms carry the token in a hidden field; there is no JS).
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content Security Policy (Django's middleware). Scripts and styles come from our own static
# files; an inline <script> or <style> needs {{ csp_nonce }} (the admin's few have it), and
# inline style="" attributes are refused: put styles in static/css.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Email (Django 6.1 mailers): console in development, SMTP from the environment in production.
EMAIL_BACKEND_PATH = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
_smtp_options = {
    "host": os.environ.get("EMAIL_HOST", "localhost"),
    "port": int(os.environ.get("EMAIL_PORT", "25")),
    "username": os.environ.get("EMAIL_HOST_USER", ""),
    "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("EMAIL_USE_TLS", False),
    "timeout": 30,
}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    _mail_options = _smtp_options
elif EMAIL_BACKEND_PATH.endswith("filebased.EmailBackend") or os.environ.get("EMAIL_FILE_PATH"):
    _mail_options = {"file_path": os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))}
else:
    _mail_options = {}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "monitoring@localhost")

# Celery on Redis. Without REDIS_URL the reminder pass runs as a plain process instead.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "redis://127.0.0.1:6379/0"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
# Redis redelivers an unacknowledged task after this many seconds: keep it above the longest
# delivery (an SMTP send), and never use long ETA/countdown tasks (they would be redelivered).
# With Redis down, queueing a task fails at once (one retry, no pause) instead of retrying for
# kombu's default 4-6 seconds: the reminder pass leaves it claimed for the requeue step, an
# export or an import runs in the web process. The worker's own reconnection loop is not
# affected (broker_connection_max_retries). A Redis that accepts connections but does not
# answer (frozen, or gone behind a firewall) fails after 5 s instead of hanging forever: the
# socket timeout stays well above the worker's 1 s BRPOP poll (tests/faults/).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
    "socket_connect_timeout": 5,
    "socket_timeout": 5,
}
# The beat schedule is static (django-celery-beat does not support Django 6.1): one reminder
# pass every REMINDER_PASS_SECONDS (a minute). Without Redis, `manage.py run_reminders --loop`
# runs the same pass.
CELERY_BEAT_SCHEDULE = {
    "reminder-pass": {
        "task": "reminders.tasks.reminder_pass",
        "schedule": float(os.environ.get("REMINDER_PASS_SECONDS", "60")),
    },
    "export-purge": {"task": "exports.tasks.purge_exports", "schedule": 3600.0},
}

# Reminders. Offsets are days before the deadline (negative: after); see reminders/kinds.py.
REMINDER_OFFSETS_DAYS = {
    "hearing_upcoming": (7, 1),
    "hearing_report_missing": (-1,),
    "pretrial_review": (30, 14, 7),
    "beyond_limit": (0,),
    "appeal_deadline": (7, 2),
    "release_due": (30, 7),
    "release_overdue": (0,),
    "followup_due": (2,),
    "followup_overdue": (-1,),
}
REMINDER_DAY_HOUR = int(os.environ.get("REMINDER_DAY_HOUR", "8"))  # local time for date deadlines
REMINDER_DIGEST_HOUR = int(os.environ.get("REMINDER_DIGEST_HOUR", "7"))
REMINDER_PASS_SECONDS = int(os.environ.get("REMINDER_PASS_SECONDS", "60"))
REMINDER_REQUEUE_AFTER_SECONDS = int(os.environ.get("REMINDER_REQUEUE_AFTER_SECONDS", "300"))
REMINDER_BATCH = int(os.environ.get("REMINDER_BATCH", "500"))
# Credit for time in pretrial detention against a sentence (1.0: day for day; unverified).
PRETRIAL_CREDIT = float(os.environ.get("PRETRIAL_CREDIT", "1.0"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

PAGINATE_BY = int(os.environ.get("PAGINATE_BY", "50"))

# Exports (exports/, README "Exports"). XLSX exports of more rows than this are built in the
# background (Celery with Redis, else a thread of the web process); CSV always streams.
EXPORT_XLSX_DIRECT_MAX_ROWS = int(os.environ.get("EXPORT_XLSX_DIRECT_MAX_ROWS", "2000"))
# Rows fetched and written at once; hours a ready file's one-time link lives; background
# exports at once in a web process (without Redis); seconds without progress before a
# background export counts as dead (its process was restarted).
EXPORT_CHUNK_ROWS = int(os.environ.get("EXPORT_CHUNK_ROWS", "2000"))
EXPORT_LINK_HOURS = int(os.environ.get("EXPORT_LINK_HOURS", "24"))
EXPORT_THREADS = int(os.environ.get("EXPORT_THREADS", "2"))
EXPORT_STALE_SECONDS = int(os.environ.get("EXPORT_STALE_SECONDS", "300"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"forbidden": {"()": "accounts.logging.ForbiddenWithoutTraceback"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["forbidden"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Logins, logouts, failures, lockouts, refused authorisations (accounts/events.py),
        # kept whatever LOG_LEVEL says.
        "security": {"level": "INFO"},
        "axes": {"level": "WARNING"},  # its failures and lockouts; not every "login OK"
    },
}
