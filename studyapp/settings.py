"""Settings for the study app.

Everything an operator may change comes from an environment variable with a safe local default;
README.md lists them all. Nothing secret is committed: without ``SECRET_KEY`` the key is read
from ``var/secret_key``, which ``manage.py secret_key_create`` (run by ``make run``) writes once.
Importing this module writes nothing.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
SECRET_KEY_FILE = VAR_DIR / "secret_key"
SANDBOX_SECRET_FILE = VAR_DIR / "sandbox_secret"


def env_flag(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable (1, true, yes, on)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def secret_key_from_file(path: Path) -> str | None:
    """The key stored in ``path`` (see ``manage.py secret_key_create``), or None."""
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


# Without either, a key for this process only: sessions do not survive a restart and several
# processes disagree, which the check core.W001 says.
SECRET_KEY = (
    os.environ.get("SECRET_KEY")
    or secret_key_from_file(SECRET_KEY_FILE)
    or "process-only-" + secrets.token_urlsafe(50)
)
DEBUG = env_flag("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "studyapp.core",
    "studyapp.accounts",
    "studyapp.topics",
    "studyapp.cards",
    "studyapp.quizzes",
    "studyapp.sandbox",
    "studyapp.progress",
    "studyapp.content",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "studyapp.core.middleware.DomainErrorMiddleware",
    "studyapp.core.middleware.HtmxVaryMiddleware",
    # Last, as django-axes asks: turns a locked-out log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "studyapp.urls"
WSGI_APPLICATION = "studyapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["studyapp.core.templatetags.markdown_filters"],
        },
    },
]

# Database: SQLite in var/ by default (WAL, a busy timeout, immediate write transactions so
# concurrent writers queue instead of failing); PostgreSQL or another server through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # The test database is a file too, not SQLite's shared in-memory database: there, threads
    # (a live server's requests, the tests' task worker) lock each other out at once with
    # "database table is locked" instead of waiting as they do on a file.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"studyapp-test-{os.getpid()}.sqlite3")
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server and a statement run 5 times on a connection prepared there:
    # PostgreSQL then plans the study paths' many-join queries (the review queue, the card with
    # its note and topic) once per connection instead of at every request, which was most of its
    # CPU per request (planning 2-5 ms against 0.1-1 ms of running them).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
# Sessions in the database, as Django stores them; each request's read is SQL kept once
# (core/sessions.py). With REDIS_URL, Django's cached_db store instead (below).
SESSION_ENGINE = "studyapp.core.sessions"

# Log-in hardening (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one account, every
# log-in to it is refused, the right password included, for LOGIN_COOLOFF_MINUTES. Failures from
# one address are limited separately and more loosely (LOGIN_ADDRESS_FAILURE_LIMIT in the same
# window), since a whole class may share one address behind a school's router.
# Then Django's model backend, which here also reads the user's role in the query that reads the
# session's user (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "studyapp.accounts.backends.RoleBackend",
]
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_COOLOFF_MINUTES = int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks to lock by address too; one address is limited here separately and more loosely
# (accounts/throttling.py), since a class shares one.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "studyapp.accounts.views.login_locked_out"
AXES_VERBOSE = False
# Sign-up: open to anyone (the default), by a cohort's invite code only, or closed; at most
# SIGNUP_RATE_PER_HOUR new accounts an hour from one address.
SIGNUP = os.environ.get("SIGNUP", "open").strip().lower()
if SIGNUP not in {"open", "invite", "closed"}:
    raise ImproperlyConfigured(f"SIGNUP must be open, invite or closed, not {SIGNUP!r}")
SIGNUP_RATE_PER_HOUR = int(os.environ.get("SIGNUP_RATE_PER_HOUR", "10"))
LOGIN_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Background work through Django's tasks framework, stored in the database by default.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Many machines: Redis for the cache, the sessions and the task queue (pip install '.[scale]').
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}

# Security: a strict Content Security Policy with per-request nonces for the few inline scripts.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # The code editor (CodeMirror) adds its own styles in a <style> element carrying the nonce.
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
HTTPS = env_flag("HTTPS")
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "studyapp.logs.JsonFormatter"},
    },
    "filters": {"one_line_client_errors": {"()": "studyapp.logs.OneLineClientErrors"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("LOG_FORMAT") == "json" else "plain",
            "filters": ["one_line_client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes reports every successful log-in at INFO; lockouts are WARNING and stay.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Flashcards: FSRS fuzz spreads review intervals a little (as Anki does) so cards learned together
# do not stay together; tests turn it off for exact dates.
FSRS_ENABLE_FUZZING = env_flag("FSRS_ENABLE_FUZZING", True)

# The question editor's check of a "Try it in the sandbox" line (quizzes cannot import the
# sandbox, an independent layer; the content app, above both, holds the check).
QUESTION_TRY_CHECK = "studyapp.content.try_links.try_line_check"

# Where the Markdown content lives (notes, questions, sample functions, events).
CONTENT_DIR = Path(os.environ.get("CONTENT_DIR", BASE_DIR / "content"))

# Item statistics and the question checker judge a question (very easy, very hard, weak
# discrimination, answered right by everyone) only once this many learners have answered it;
# before that they say "not enough attempts yet (n of 10)", as Moodle's guidance advises.
QUIZ_STATISTICS_MIN_LEARNERS = int(os.environ.get("QUIZ_STATISTICS_MIN_LEARNERS", "10"))

# The sandbox service (`manage.py lambda serve`), reached over loopback HTTP; untrusted code runs
# there, never in a web worker. A learner may have at most SANDBOX_MAX_RUNNING_PER_LEARNER
# invocations in flight, and "run N at once" allows N up to SANDBOX_MAX_BATCH.
SANDBOX_URL = os.environ.get("SANDBOX_URL", "http://127.0.0.1:9001")
# Every request to the sandbox service is signed with this shared secret (HMAC, see
# engine/auth.py). On one machine it is generated into var/ like the secret key, so the
# web app, the task worker and `lambda serve` started from the same checkout agree; with sandbox
# hosts on other machines set the same SANDBOX_SECRET everywhere.
SANDBOX_SECRET = os.environ.get("SANDBOX_SECRET") or secret_key_from_file(SANDBOX_SECRET_FILE)
SANDBOX_MAX_RUNNING_PER_LEARNER = int(os.environ.get("SANDBOX_MAX_RUNNING_PER_LEARNER", "3"))
SANDBOX_MAX_BATCH = int(os.environ.get("SANDBOX_MAX_BATCH", "10"))
