"""Settings of notionforms, read from the environment and from `.env` if present.

Every variable is listed, with its meaning, in `.env.example`. A malformed
value stops start-up with a message that names the variable. ENV_FILE, from
the environment only, names another file to read instead of `.env`, or none
when empty (the tests read none).
"""

import math
import os
from datetime import timedelta
from pathlib import Path
from typing import overload

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from integration.ids import parse_notion_id

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def env_file() -> Path | None:
    """The file of settings to read: ENV_FILE (relative to BASE_DIR), `.env` by default, none if empty."""
    raw = os.environ.get("ENV_FILE")
    if raw is None:
        default = BASE_DIR / ".env"
        return default if default.is_file() else None
    if not raw.strip():
        return None
    path = BASE_DIR / Path(raw.strip()).expanduser()
    if not path.is_file():
        raise ImproperlyConfigured(f"ENV_FILE must name a file of settings, not {raw!r} (no {path}).")
    return path


_env_file = env_file()
if _env_file is not None:
    # Never overrides a variable already set in the environment.
    env.read_env(_env_file)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


@overload
def env_number(name: str, default: float, *, minimum: float = 0, maximum: float | None = None) -> float: ...
@overload
def env_number(
    name: str, default: float, *, minimum: float = 0, maximum: float | None = None, kind: type[int]
) -> int: ...
def env_number(
    name: str,
    default: float,
    *,
    minimum: float = 0,
    maximum: float | None = None,
    kind: type[float] | type[int] = float,
) -> float:
    raw = env.str(name, default=str(default)).strip()
    try:
        value = kind(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None
    # float() takes "nan", "inf" and numbers too large for it (1e309 becomes inf): none is a setting.
    if not math.isfinite(value):
        raise ImproperlyConfigured(f"{name} must be a finite number, not {raw!r}.")
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {raw!r}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {raw!r}.")
    return value


def env_url(name: str, default: str, schemes: tuple[str, ...]) -> str:
    raw = env.str(name, default=default).strip()
    scheme, sep, rest = raw.partition("://")
    if not sep or scheme not in schemes or not rest:
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with one of {', '.join(s + '://' for s in schemes)}, not {raw!r}."
        )
    return raw


def env_notion_id(name: str) -> str:
    raw = env.str(name, default="").strip()
    if not raw:
        return ""
    parsed = parse_notion_id(raw)
    if parsed is None:
        raise ImproperlyConfigured(f"{name} must be a Notion page ID or a link to the page, not {raw!r}.")
    return parsed


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "insecure-development-key-only-for-debug"

# HTTPS. Behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER=true so that
# Django trusts its X-Forwarded-Proto header (and only then: anyone could send it).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# A load balancer checks /healthz over plain HTTP: a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_number("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, kind=int)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): scripts and styles only from the app's own files, never
# inline, so that markup slipped into a page (a Notion title, say) cannot run. The admin keeps to it too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Images from the web that content names (Markdown's ![…](https://…)) show in the Preview and
        # the sandbox's pages, as Notion shows them; each loads with no referrer.
        "img-src": [SELF, "data:", "https:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# The app's address as people reach it: the commands print links into the app (a sandbox view,
# a job's page) with it.
APP_URL = env_url("APP_URL", "http://127.0.0.1:8000", ("http", "https")).rstrip("/")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # before staticfiles and django_tasks_db: its `runserver` and `db_worker` (with a heartbeat) are ours
    "integration",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "integration.sandbox",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "notionforms.security.private_pages",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "integration.oversized.PostOverLimits",  # a POST over Django's limits, answered before the CSRF check
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "integration.middleware.LoginKeepsWhatWasTyped",  # LoginRequiredMiddleware, keeping typed forms
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the login page saying so.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "notionforms.urls"
WSGI_APPLICATION = "notionforms.wsgi.application"

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
                "integration.context_processors.workspace_in_use",
            ],
        },
    },
]

FORM_RENDERER = "notionforms.renderers.WidgetRenderer"

_database_url = env_url(
    "DATABASE_URL",
    f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
    ("sqlite", "postgres", "postgresql", "pgsql"),
)
_database = env.db_url_config(_database_url)
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # Two connections (default and audit) write to one file: wait for each other. With a write-ahead
    # log, readers don't wait for writers and a commit costs an append, not a journal's fsyncs.
    _database["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Each thread keeps its connections for this many seconds rather than opening them per request.
_database["CONN_MAX_AGE"] = env_number("DATABASE_CONN_MAX_AGE", 60, kind=int)
_database["CONN_HEALTH_CHECKS"] = _database["ENGINE"] != "django.db.backends.sqlite3"
# The audit log has a connection of its own to the same database, so that its
# rows are committed at once and survive the rollback of whatever called Notion.
DATABASES = {"default": _database, "audit": dict(_database)}
DATABASE_ROUTERS = ["integration.routers.AuditLogRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, when REDIS_URL is set, keeps the pacing of requests to Notion for every process
# (see integration/http/pacing.py) and is the cache; without it both are kept in the
# database (the cache's table is made by `migrate`), shared by the app and its workers.
REDIS_URL = env.str("REDIS_URL", default="").strip()
CACHE_TABLE = "notionforms_cache"
if REDIS_URL:
    env_url("REDIS_URL", REDIS_URL, ("redis", "rediss", "unix"))
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes counts failed logins first and refuses any from a username and address that failed too often.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that username is
# refused from that address for LOGIN_LOCKOUT_MINUTES (counted again from each further attempt).
AXES_FAILURE_LIMIT = env_number("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100, kind=int)
LOGIN_LOCKOUT_MINUTES = env_number("LOGIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=1440, kind=int)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "notionforms.security.locked_out"
# The address counted is the connection's (REMOTE_ADDR). Behind a proxy that terminates TLS, that is
# the proxy's, shared by every client: set TRUST_X_FORWARDED_FOR=true, and the address the proxy
# appended last to X-Forwarded-For is counted instead (django-axes reads it through django-ipware).
# Only behind such a proxy: anyone could send the header, and only its last address is the proxy's word.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUST_X_FORWARDED_FOR else ("REMOTE_ADDR",)
)
AXES_IPWARE_PROXY_ORDER = "right-most"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files the app keeps through Django's storage API (the sandbox's uploads): this folder by default;
# a deployment may set STORAGES' "default" to another backend (S3 through django-storages, say).
MEDIA_ROOT = BASE_DIR / env.str("MEDIA_ROOT", default="media")  # relative to the project
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "integration": {"level": env.str("LOG_LEVEL", default="INFO"), "propagate": True},
        # Django's own lines through the one handler, not also through Django's default one: once.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Notion
NOTION_KEY = env.str("NOTION_KEY", default="").strip()
NOTION_PAGE_ID = env_notion_id("NOTION_PAGE_ID")
NOTION_BASE_URL = env_url("NOTION_BASE_URL", "https://api.notion.com", ("http", "https")).rstrip("/")
NOTION_VERSION = "2025-09-03"
NOTION_CONNECT_TIMEOUT = env_number("NOTION_CONNECT_TIMEOUT", 5, minimum=0.1, maximum=300)
NOTION_READ_TIMEOUT = env_number("NOTION_READ_TIMEOUT", 30, minimum=0.1, maximum=300)
# An httpx transport to send Notion requests through instead of the network
# (tests use it to put a fake Notion at the HTTP boundary).
NOTION_TRANSPORT = None
# Request and response bodies longer than this many characters are cut in the audit log.
NOTION_AUDIT_BODY_LIMIT = env_number("NOTION_AUDIT_BODY_LIMIT", 65536, minimum=1024, kind=int)
# Keys whose values are masked wherever they appear in a logged header, query or JSON body.
NOTION_AUDIT_MASKED_KEYS = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "token",
    "access_token",
    "refresh_token",
    "client_secret",
    "password",
    "secret",
    "api_key",
    "verification_token",  # Notion's webhook handshake ("Webhooks")
    *env.list("NOTION_AUDIT_MASKED_KEYS", default=[]),
]
# Attempts per request, counting the first; and the waits between them (seconds).
NOTION_MAX_ATTEMPTS = env_number("NOTION_MAX_ATTEMPTS", 3, minimum=1, maximum=10, kind=int)
NOTION_RETRY_BACKOFF = env_number("NOTION_RETRY_BACKOFF", 0.5, minimum=0, maximum=60)
# A 429 asking for a longer wait than this is given up, with a clear message, not waited for.
NOTION_RETRY_MAX_WAIT = env_number("NOTION_RETRY_MAX_WAIT", 10, minimum=0, maximum=300)
# Requests a second to Notion for all processes together (0: no pacing), the burst
# allowed above that, and the longest a request waits for its turn before giving up.
NOTION_RATE_LIMIT = env_number("NOTION_RATE_LIMIT", 3, minimum=0, maximum=100)
NOTION_RATE_BURST = env_number("NOTION_RATE_BURST", 2, minimum=1, maximum=100, kind=int)
NOTION_RATE_MAX_WAIT = env_number("NOTION_RATE_MAX_WAIT", 20, minimum=0, maximum=300)
# The share of that rate background jobs leave to people using the forms.
NOTION_RATE_RESERVE = env_number("NOTION_RATE_RESERVE", 0.1, minimum=0, maximum=0.9)
# The most one form submission may spend sending to Notion, retries and waits included;
# gunicorn.conf.py gives each web request that, plus the timeouts of the last request.
NOTION_ACTION_TIMEOUT = env_number("NOTION_ACTION_TIMEOUT", 60, minimum=1, maximum=600)
# The most requests one submission of the content form may make (100 blocks each); longer
# content is refused with a message, before anything is sent.
NOTION_CONTENT_MAX_REQUESTS = env_number("NOTION_CONTENT_MAX_REQUESTS", 50, minimum=1, maximum=100, kind=int)
# Content needing more requests than this is sent by a background job, not in the web request.
NOTION_CONTENT_BACKGROUND_REQUESTS = env_number(
    "NOTION_CONTENT_BACKGROUND_REQUESTS", 3, minimum=1, maximum=100, kind=int
)
# Background jobs run in `python manage.py db_worker` processes, queued in the database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A worker not heard from for this long (seconds) is taken for dead: its jobs go to the next one.
JOBS_WORKER_TIMEOUT = env_number("JOBS_WORKER_TIMEOUT", 30, minimum=1, maximum=3600)
# Jobs of different users take turns: each user runs at most this many jobs at once, the others
# wait while another user's job runs.
JOBS_PER_USER = env_number("JOBS_PER_USER", 1, minimum=1, maximum=100, kind=int)
# A job that has run this long (seconds) gives its worker up to another user's waiting job, between
# two rows or parts, and goes on from there on its next turn (0: as soon as another user waits).
JOBS_TURN_SECONDS = env_number("JOBS_TURN_SECONDS", 10, minimum=0, maximum=3600)
# `manage.py prune` deletes history, submissions, jobs and the like older than this many days.
RETENTION_DAYS = env_number("RETENTION_DAYS", 90, minimum=1, maximum=36500, kind=int)
# A CSV file being imported is copied here for the job that reads it (a worker must reach it too).
IMPORTS_DIR = Path(env.str("IMPORTS_DIR", default=str(BASE_DIR / "imports")))
# The largest CSV file an import takes (bytes), uploaded or from the command line.
IMPORT_MAX_BYTES = env_number("IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1, kind=int)
# The most columns a CSV file to import may have: refused at upload, before any preview is drawn.
IMPORT_MAX_COLUMNS = env_number("IMPORT_MAX_COLUMNS", 100, minimum=1, maximum=1000, kind=int)
# "Check" and the start of an import convert this many of a file's first rows as the job will, to say
# which would be refused (every row of a file no longer than that) before anything is sent; into an
# existing data source, Check also looks them up there to say what would be added or updated.
IMPORT_CHECK_ROWS = env_number("IMPORT_CHECK_ROWS", 10_000, minimum=1, maximum=1_000_000, kind=int)
# The most rows (records after the header) one import takes: a longer file is refused at upload.
IMPORT_MAX_ROWS = env_number("IMPORT_MAX_ROWS", 100_000, minimum=1, kind=int)
# An upload whose import was never started is deleted, with its file, by `manage.py prune` this many
# hours after it was sent.
IMPORT_UPLOAD_HOURS = env_number("IMPORT_UPLOAD_HOURS", 24, minimum=1, maximum=24 * 365, kind=int)
# Notion's webhooks (POST /notion/webhooks/). The verification token Notion sent when the subscription
# was made (shown to staff on the Connection page until it is set here): events are checked against it.
NOTION_WEBHOOK_VERIFICATION_TOKEN = env.str("NOTION_WEBHOOK_VERIFICATION_TOKEN", default="").strip()
# The largest event body taken (bytes): a longer one is refused before it is read.
NOTION_WEBHOOK_MAX_BYTES = env_number(
    "NOTION_WEBHOOK_MAX_BYTES", 65536, minimum=1024, maximum=1024 * 1024, kind=int
)
# An event whose timestamp is further than this many seconds from now is refused as stale.
NOTION_WEBHOOK_MAX_AGE = env_number("NOTION_WEBHOOK_MAX_AGE", 600, minimum=1, maximum=7 * 24 * 3600, kind=int)
# Requests a minute the endpoint takes from one address; past that it answers 429.
NOTION_WEBHOOK_RATE_LIMIT = env_number("NOTION_WEBHOOK_RATE_LIMIT", 120, minimum=1, maximum=100_000, kind=int)
# Where the sandbox sends its own signed events when its objects change (empty: it sends none), e.g.
# http://127.0.0.1:8000/notion/webhooks/; they are signed with NOTION_WEBHOOK_VERIFICATION_TOKEN.
NOTION_SANDBOX_WEBHOOK_URL = (
    env_url("NOTION_SANDBOX_WEBHOOK_URL", "", ("http", "https"))
    if env.str("NOTION_SANDBOX_WEBHOOK_URL", default="").strip()
    else ""
)
# Files sent with a form are written to disk as they arrive, never held whole in memory; a file
# attached to content sent by a background job is copied here for the job (a worker must reach it).
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
ATTACHMENTS_DIR = BASE_DIR / env.str("ATTACHMENTS_DIR", default="attachments")  # relative to the project
CSRF_FAILURE_VIEW = "integration.csrf.csrf_failure"
