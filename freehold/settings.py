"""One settings module, driven by environment variables.

Development defaults are safe to run on a laptop; `FREEHOLD_ENV=production` refuses to start
with the development secret key or with DEBUG on.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(os.environ.get("FREEHOLD_DATA_DIR", PROJECT_DIR / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


ENVIRONMENT = os.environ.get("FREEHOLD_ENV", "development")
IS_PRODUCTION = ENVIRONMENT == "production"
DEVELOPMENT_SECRET_KEY = "freehold-development-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("FREEHOLD_DEBUG", not IS_PRODUCTION)
# Encrypts secrets stored in the database (freehold.core.crypto); derived from SECRET_KEY when
# unset. Set it separately to be able to rotate SECRET_KEY.
ENCRYPTION_KEY = os.environ.get("FREEHOLD_ENCRYPTION_KEY", "")

if IS_PRODUCTION:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured(
            "FREEHOLD_ENV=production needs a SECRET_KEY of 40+ random characters."
        )
    if DEBUG:
        raise ImproperlyConfigured("FREEHOLD_ENV=production refuses FREEHOLD_DEBUG=1.")

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("FREEHOLD_ALLOWED_HOSTS", "*").split(",") if h.strip()
]
if IS_PRODUCTION and "*" in ALLOWED_HOSTS:
    # Any Host header would be believed: links built from it (password reset) could point
    # shoppers at somebody else's site.
    raise ImproperlyConfigured(
        "FREEHOLD_ENV=production needs FREEHOLD_ALLOWED_HOSTS, e.g. shop.example.com."
    )
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("FREEHOLD_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
# How many reverse proxies in front of the app append to X-Forwarded-For (0: none; the client's
# address is the connection's). Login and lookup rate limits count per client address
# (freehold.core.ratelimit.client_address): behind one nginx, set 1.
TRUSTED_PROXY_COUNT = int(os.environ.get("FREEHOLD_TRUSTED_PROXY_COUNT", "0"))
# The public base URL, used for canonical links, sitemaps and social tags when a request is absent.
SITE_URL = os.environ.get("FREEHOLD_SITE_URL", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # its Swagger UI files are served from here, not from a CDN
    "freehold.core",
    "freehold.customers",
    "freehold.catalog",
    "freehold.markets",
    "freehold.taxes",
    "freehold.checkout",
    "freehold.orders",
    "freehold.returns",
    "freehold.marketing",
    "freehold.storefront",
    "freehold.api",
    "freehold.webhooks",
    "freehold.imports",
    "freehold.insights",
    "freehold.marketplace",
    "freehold.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "freehold.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "freehold.core.nul.RefuseNulMiddleware",
    "freehold.markets.middleware.MarketPrefixMiddleware",
    "freehold.core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "freehold.customers.consent_views.GlobalPrivacyControlMiddleware",
    "freehold.markets.middleware.MarketMiddleware",
    "freehold.insights.middleware.VisitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "freehold.catalog.middleware.RedirectFallbackMiddleware",
]

ROOT_URLCONF = "freehold.urls"
WSGI_APPLICATION = "freehold.wsgi.application"

# The merchant's theme folder: any template file placed there overrides the built-in one
# with the same name (see docs/theming.md).
THEME_DIR = os.environ.get("FREEHOLD_THEME_DIR", "")
_theme_dirs = [Path(THEME_DIR)] if THEME_DIR else []

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        # The dashboard's templates come first: a storefront theme cannot replace them.
        "DIRS": [
            BASE_DIR / "dashboard" / "templates",
            # The vendor dashboard's frame and pages (marketplace mode): not themeable either.
            BASE_DIR / "marketplace" / "templates",
            *_theme_dirs,
            BASE_DIR / "storefront" / "theme" / "templates",
        ],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "freehold.storefront.jinja.environment",
            "autoescape": True,
            "auto_reload": DEBUG,
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DEFAULT_SQLITE_URL = f"sqlite:///{DATA_DIR / 'freehold.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_SQLITE_URL),
        conn_max_age=int(os.environ.get("FREEHOLD_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL + IMMEDIATE transactions: readers never block the writer, and a transaction that
    # reads before it writes cannot fail with "database is locked" halfway (architecture.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "customers.Customer"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "freehold.core.cache.FreeholdRedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 3600,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "freehold",
            "TIMEOUT": 3600,
            # The default 300 entries cannot hold the pages of a 10,000-product catalog.
            "OPTIONS": {"MAX_ENTRIES": 50_000, "CULL_FREQUENCY": 4},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Full-page cache for anonymous shoppers (freehold.core.pagecache).
PAGE_CACHE_ENABLED = env_bool("FREEHOLD_PAGE_CACHE", True)
PAGE_CACHE_SECONDS = int(os.environ.get("FREEHOLD_PAGE_CACHE_SECONDS", "3600"))

LANGUAGE_CODE = "en"
# The storefront's and the e-mails' languages; catalogues in freehold/locale (`make messages`).
# The dashboard stays English. A market's language comes from its URL prefix.
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ja", "日本語"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("FREEHOLD_MEDIA_ROOT", DATA_DIR / "media")).resolve()
# Serve /static and /media from Django itself (a single-machine shop needs no separate web
# server); production behind a CDN or nginx can turn this off.
SERVE_FILES = env_bool("FREEHOLD_SERVE_FILES", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o644

# Security by default.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if IS_PRODUCTION:
    SECURE_HSTS_SECONDS = int(os.environ.get("FREEHOLD_HSTS_SECONDS", "31536000"))
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("FREEHOLD_SSL_REDIRECT", True)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)

# Background tasks (order and account e-mails). Development and the demo run them at once,
# inside the request; production queues them in the database for `freehold worker`, so a slow
# mail server never slows a checkout and a crash between order and e-mail loses nothing.
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
_tasks_backend = os.environ.get(
    "FREEHOLD_TASKS_BACKEND", "database" if IS_PRODUCTION else "immediate"
).strip()
TASKS = {"default": {"BACKEND": _TASK_BACKENDS.get(_tasks_backend.lower(), _tasks_backend)}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FREEHOLD_LOG_LEVEL", "WARNING")},
}

# The public storefront API's requests per client address and minute (freehold.api).
API_STOREFRONT_RATE_PER_MINUTE = int(os.environ.get("FREEHOLD_API_RATE_PER_MINUTE", "600"))

# Outbound webhooks go only to public internet addresses in production: a staff member or an
# API token must not make the server POST to its own network (databases, cloud metadata).
# Development allows loopback and private addresses, for receivers on the same machine.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("FREEHOLD_WEBHOOKS_ALLOW_PRIVATE", not IS_PRODUCTION)
# Imports keep the uploaded file in the database (it may hold customers' addresses).
IMPORT_MAX_BYTES = int(os.environ.get("FREEHOLD_IMPORT_MAX_MB", "100")) * 1024 * 1024
# Periodic jobs `freehold worker` runs (core.schedule): name -> (function, seconds apart).
SCHEDULED_JOBS: dict[str, tuple[str, int]] = {}
SCHEDULED_JOBS["retention-purge"] = ("freehold.customers.retention.purge", 24 * 60 * 60)
SCHEDULED_JOBS["insights.rfm"] = ("freehold.insights.scores.rfm_recompute", 24 * 60 * 60)
SCHEDULED_JOBS["marketplace.dsa-purge"] = ("freehold.marketplace.dsa.dsa_purge", 24 * 60 * 60)
SCHEDULED_JOBS["marketplace.inform"] = ("freehold.marketplace.inform.inform_recompute", 86400)
SCHEDULED_JOBS["marketplace.payouts"] = ("freehold.marketplace.money.payouts_run", 24 * 60 * 60)
# Images of imported products are fetched from the URLs in the file (freehold.imports.images).
# The file comes from elsewhere, so production refuses the same addresses as webhooks; an image
# is at most IMPORT_IMAGE_MAX_BYTES and is given IMPORT_IMAGE_TIMEOUT seconds in all.
IMPORTS_ALLOW_PRIVATE_ADDRESSES = env_bool("FREEHOLD_IMPORTS_ALLOW_PRIVATE", not IS_PRODUCTION)
IMPORT_IMAGE_MAX_BYTES = int(
    os.environ.get("FREEHOLD_IMPORT_IMAGE_MAX_BYTES", str(20 * 1024 * 1024))
)
IMPORT_IMAGE_TIMEOUT = float(os.environ.get("FREEHOLD_IMPORT_IMAGE_TIMEOUT", "10"))

# Catalog listing page size.
CATALOG_PAGE_SIZE = 24
ORDER_PAYMENT_TIMEOUT_MINUTES = int(os.environ.get("FREEHOLD_ORDER_PAYMENT_TIMEOUT_MINUTES", "60"))
# Where the dashboard's "Update from the ECB" reads the euro reference rates (eurofxref XML);
# empty: the ECB's daily file. A mirror or a recorded file's URL for offline stores and tests.
FX_RATES_URL = os.environ.get("FREEHOLD_FX_URL", "").strip()

# E-mail (freehold.notifications). FREEHOLD_EMAIL_BACKEND is a short word (smtp, file, console,
# locmem, dummy) or a dotted backend path. Development writes each message to DATA_DIR/mail so a
# demo never needs a mail server; production defaults to SMTP, so order mail is never silently
# written to disk instead of sent.
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
_email_backend = os.environ.get("FREEHOLD_EMAIL_BACKEND", "smtp" if IS_PRODUCTION else "file")
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend.strip().lower(), _email_backend.strip())
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = os.environ.get("FREEHOLD_EMAIL_HOST", "localhost")
EMAIL_USE_TLS = env_bool("FREEHOLD_EMAIL_USE_TLS", IS_PRODUCTION)
EMAIL_PORT = int(os.environ.get("FREEHOLD_EMAIL_PORT", "587" if EMAIL_USE_TLS else "25"))
EMAIL_HOST_USER = os.environ.get("FREEHOLD_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("FREEHOLD_EMAIL_PASSWORD", "")
EMAIL_TIMEOUT = int(os.environ.get("FREEHOLD_EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("FREEHOLD_FROM_EMAIL", "shop@localhost")

# Text messages (freehold.core.sms): phone confirmation codes. FREEHOLD_SMS_BACKEND is console
# (prints them: development's default), twilio (production's default), locmem (tests) or a
# dotted backend path. FREEHOLD_TWILIO_API_BASE points the client elsewhere (tests), empty =
# Twilio's own.
SMS_BACKEND = os.environ.get("FREEHOLD_SMS_BACKEND", "twilio" if IS_PRODUCTION else "console")
TWILIO_ACCOUNT_SID = os.environ.get("FREEHOLD_TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("FREEHOLD_TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("FREEHOLD_TWILIO_FROM_NUMBER", "")
TWILIO_API_BASE = os.environ.get("FREEHOLD_TWILIO_API_BASE", "").rstrip("/")
SMS_TIMEOUT = float(os.environ.get("FREEHOLD_SMS_TIMEOUT", "10"))

# Stripe (freehold.payments.stripe_gateway). The gateway is offered only when a secret key is set.
# STRIPE_WEBHOOK_SECRET is the endpoint's signing secret (whsec_...) from Stripe's dashboard;
# STRIPE_API_BASE points the client elsewhere (the tests' local imitation), empty = Stripe's own.
STRIPE_SECRET_KEY = os.environ.get("FREEHOLD_STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("FREEHOLD_STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("FREEHOLD_STRIPE_API_BASE", "").rstrip("/")
