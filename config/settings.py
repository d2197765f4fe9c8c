"""The one settings module. Everything that differs between machines comes from the environment.

Nothing set gives the embedded default: SQLite in the project folder, django-q2's ORM
broker, media on disk, console e-mail, DEBUG on and a development secret.
``DATABASE_URL`` and ``REDIS_URL`` give the scale-out setup (PostgreSQL, Redis broker).
With ``DEBUG=0`` a missing ``SECRET_KEY``, ``ALLOWED_HOSTS`` or ``SITE_URL`` stops the process.
The README lists every variable with its default.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_choice, env_int, env_list, env_str
from generation.pipeline.config import COMPILE_MODES, DEVICES, DTYPES  # plain values: imports no torch

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET = "dev-only-secret-do-not-use-in-production-0123456789abcdefghijklmnop"
SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0 (at least 50 random characters).")
    SECRET_KEY = _DEV_SECRET

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=0 (comma-separated host names).")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A form refused by the CSRF check says why, in the visitor's language.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# The address people see, used in e-mails, QR codes and link previews.
_LOOPBACK_SITE_URL = "http://127.0.0.1:8000"
SITE_URL = (env_str("SITE_URL", _LOOPBACK_SITE_URL) or "").rstrip("/")
if not DEBUG and SITE_URL in (_LOOPBACK_SITE_URL, "http://localhost:8000", ""):
    # Printed QR codes carry it: a card printed for a funeral must open the public site.
    raise ImproperlyConfigured(
        f"SITE_URL must be set when DEBUG=0 to the site's public address (such as https://memorial.example.org); "
        f"it is still the loopback default {_LOOPBACK_SITE_URL}, which QR codes, e-mails and link previews would carry."
    )
SITE_NAME = env_str("SITE_NAME", "Memoria")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_q",
    "core",
    "accounts",
    "memorial",
    "generation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.ratelimit.RateLimitMiddleware",
    "core.visitors.VisitorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database address Django can use: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share one file: WAL lets readers and one writer work at once,
    # IMMEDIATE transactions take the write lock up front instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Queue (django-q2) and cache ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# A painting on a CPU can take minutes; django-q2's retry must come after the timeout.
Q_TIMEOUT = env_int("Q_TIMEOUT", 1800, minimum=10)
Q_CLUSTER = {
    # The site's name: the salt of every signed task, the same for every worker of the site.
    "name": env_str("Q_CLUSTER_NAME", "memorial"),
    # The queue this qcluster takes tasks from: the site's name, or TRAINING_QUEUE for the trainer.
    "cluster_name": env_str("Q_QUEUE", "") or env_str("Q_CLUSTER_NAME", "memorial"),
    "workers": env_int("Q_WORKERS", 1, minimum=1),
    "timeout": Q_TIMEOUT,
    "retry": Q_TIMEOUT + 120,
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 500,
    "ack_failures": True,
    "poll": 0.5,
    "label": "Django Q2",
    # A worker that only trains (TRAINING_QUEUE) runs no scheduler: scheduled sweeps would wait
    # in its queue behind hours of training.
    "scheduler": env_bool("Q_SCHEDULER", True),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    Q_CLUSTER["orm"] = "default"
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Uploads ------------------------------------------------------------------------------
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 30 * 1024 * 1024, minimum=1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 100_000_000, minimum=10_000)
# Memory one photo's decode may take, by its pixels and colour mode (a 16-bit or transparent PNG
# needs two to three times an RGB one's): 512 MiB lets a 100-megapixel RGB photo through.
PHOTO_MAX_DECODE_BYTES = env_int("PHOTO_MAX_DECODE_BYTES", 512 * 1024**2, minimum=1024**2)
# What one memorial may take in storage: its photos (originals, screen copies, thumbnails) and its
# paintings with their recordings (memorial/quota.py).
MEMORIAL_STORAGE_QUOTA_BYTES = env_int("MEMORIAL_STORAGE_QUOTA_BYTES", 5 * 1024**3, minimum=1024**2)
# The longest life story, in characters (about 30 printed pages).
MEMORIAL_LIFE_STORY_MAX_CHARS = env_int("MEMORIAL_LIFE_STORY_MAX_CHARS", 50_000, minimum=1000)
PHOTO_SCREEN_SIZE = env_int("PHOTO_SCREEN_SIZE", 2048, minimum=256)
PHOTO_THUMB_SIZE = env_int("PHOTO_THUMB_SIZE", 480, minimum=64)
# Files in one upload request (deploy/nginx allows PHOTO_MAX_BYTES times this, plus overhead).
PHOTO_MAX_FILES_PER_UPLOAD = env_int("PHOTO_MAX_FILES_PER_UPLOAD", 10, minimum=1)

# A published message is hidden until a manager decides when its reports since the last decision
# weigh this much: a guest's report weighs 1 (all guests of one network together count once), a
# signed-in person's CONDOLENCE_REPORT_WEIGHT_SIGNED_IN, a member of the memorial's
# CONDOLENCE_REPORT_WEIGHT_MEMBER. With the defaults: ten networks of guests, four signed-in
# strangers, or two of the family; a handful of anonymous addresses never.
CONDOLENCE_REPORT_THRESHOLD = env_int("CONDOLENCE_REPORT_THRESHOLD", 10, minimum=1)
CONDOLENCE_REPORT_WEIGHT_SIGNED_IN = env_int("CONDOLENCE_REPORT_WEIGHT_SIGNED_IN", 3, minimum=1)
CONDOLENCE_REPORT_WEIGHT_MEMBER = env_int("CONDOLENCE_REPORT_WEIGHT_MEMBER", 5, minimum=1)
GUEST_CONDOLENCES_PER_HOUR = env_int("GUEST_CONDOLENCES_PER_HOUR", 5, minimum=1)
# Guests are known by a first-party visitor cookie together with their network (core/visitors.py).
VISITOR_COOKIE_NAME = env_str("VISITOR_COOKIE_NAME", "visitor")
VISITOR_COOKIE_AGE = env_int("VISITOR_COOKIE_AGE", 60 * 60 * 24 * 365, minimum=60)
# Per scope (core/ratelimit.py): each signed-in person; each guest (visitor cookie); all guests of
# one network (an IPv4 address, an IPv6 /64: a funeral hall's Wi-Fi) together; guests of one network
# without the visitor cookie together (scripts that drop cookies); all signed-in people of one
# network together; the window in seconds. Sign-in and sign-up: ACCOUNT_RATE_LIMITS.
_UPLOADS = env_int("UPLOADS_PER_HOUR", 300, minimum=1)
_ARTWORKS = env_int("ARTWORKS_PER_HOUR", 20, minimum=1)
RATE_LIMITS = {
    # Calendar apps read a memorial's .ics every few hours, without cookies.
    "calendar": {
        "person": 120,
        "visitor": 120,
        "network": 1200,
        "cookieless": 600,
        "people_network": 1200,
        "window": 3600,
    },
    "condolence": {
        "person": env_int("CONDOLENCES_PER_HOUR", 20, minimum=1),
        "visitor": GUEST_CONDOLENCES_PER_HOUR,
        "network": env_int("GUEST_CONDOLENCES_PER_NETWORK_PER_HOUR", 100, minimum=1),
        "cookieless": env_int("COOKIELESS_CONDOLENCES_PER_NETWORK_PER_HOUR", 3, minimum=1),
        "people_network": 400,
        "window": 3600,
    },
    "offering": {
        "person": 20,
        "visitor": 20,
        "network": env_int("GUEST_OFFERINGS_PER_NETWORK_PER_HOUR", 200, minimum=1),
        "cookieless": 3,
        "people_network": 400,
        "window": 3600,
    },
    "report": {
        "person": 30,
        "visitor": 10,
        "network": env_int("GUEST_REPORTS_PER_NETWORK_PER_HOUR", 30, minimum=1),
        "cookieless": 3,
        "people_network": 300,
        "window": 3600,
    },
    "upload": {"person": _UPLOADS, "network": _UPLOADS * 2, "people_network": _UPLOADS * 10, "window": 3600},
    "artwork": {"person": _ARTWORKS, "network": _ARTWORKS * 2, "people_network": _ARTWORKS * 10, "window": 3600},
    # Studio keys (README "Studio API"): making them, per manager; paintings asked for with one, per key.
    "studio_key": {"person": 10, "network": 20, "people_network": 100, "window": 3600},
    "sdapi": {"person": env_int("SDAPI_PAINTINGS_PER_HOUR", 60, minimum=1), "window": 3600},
    # A download of everything packs every original: a few a day per person.
    "export": {
        "person": env_int("EXPORTS_PER_DAY", 5, minimum=1),
        "network": env_int("EXPORTS_PER_DAY", 5, minimum=1),
        "people_network": env_int("EXPORTS_PER_DAY", 5, minimum=1) * 4,
        "window": 86400,
    },
}

# --- Artworks: models the worker loads (a local folder or a hub id each) ---------------------
# With no base model the worker paints with the light painterly filter, and says so.
ARTWORK_MODELS = {
    "base": env_str("ARTWORK_BASE_MODEL"),
    "controlnet_openpose": env_str("ARTWORK_CONTROLNET_OPENPOSE", "lllyasviel/control_v11p_sd15_openpose"),
    "controlnet_depth": env_str("ARTWORK_CONTROLNET_DEPTH", "lllyasviel/control_v11f1p_sd15_depth"),
    "controlnet_mlsd": env_str("ARTWORK_CONTROLNET_MLSD", "lllyasviel/control_v11p_sd15_mlsd"),
    "annotators": env_str("ARTWORK_ANNOTATORS", "lllyasviel/Annotators"),
    "device": env_choice("ARTWORK_DEVICE", "auto", DEVICES),
    "dtype": env_choice("ARTWORK_DTYPE", "auto", DTYPES),
    # The GPU path (generation/pipeline/speed.py; README "The GPU path").
    "compile": env_choice("ARTWORK_COMPILE", "off", COMPILE_MODES),
    "cpu_offload": env_bool("ARTWORK_CPU_OFFLOAD", False),
    "channels_last": env_bool("ARTWORK_CHANNELS_LAST", True),
    "vae": env_str("ARTWORK_VAE"),
}
# The AUTOMATIC1111-compatible API's img2img waits this long for its painting, reading the job's
# record every SDAPI_POLL_SECONDS; then it answers with the job's address to fetch it later.
SDAPI_WAIT_SECONDS = env_int("SDAPI_WAIT_SECONDS", 300, minimum=1)
SDAPI_POLL_SECONDS = 0.5
ARTWORK_LONG_SIDE = env_int("ARTWORK_LONG_SIDE", 768, minimum=64)
# How many paintings the AI painter makes of each job to keep the most faithful (a style may set
# its own): 0 means 1 on a CPU and 4 on a GPU. At most ARTWORK_CANDIDATES_BATCH in one pass.
ARTWORK_CANDIDATES = env_int("ARTWORK_CANDIDATES", 0, minimum=0)
ARTWORK_CANDIDATES_BATCH = env_int("ARTWORK_CANDIDATES_BATCH", 4, minimum=1)
LORA_ROOT = Path(env_str("LORA_ROOT", str(BASE_DIR / "models" / "loras")))
# A running job whose worker has not written a heartbeat for this long is taken back and queued
# again, up to JOB_MAX_ATTEMPTS times; then it fails with a reason.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10, minimum=1)
JOB_STALE_AFTER_SECONDS = env_int("JOB_STALE_AFTER_SECONDS", 120, minimum=2)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3, minimum=1)
# A queued job whose message has waited this long is sent again (Redis loses the messages a
# killed worker had taken; a duplicate is harmless).
JOB_RESEND_AFTER_SECONDS = env_int("JOB_RESEND_AFTER_SECONDS", 900, minimum=2)

# Every schedule of the worker, declared here and nowhere else: `manage.py sync_schedules` (run by
# bin/setup and before each worker starts) makes django-q2's Schedule table say the same. Each
# entry: name, the task's dotted path, django-q2's schedule type (I: every `minutes`, H: hourly,
# D: daily), and `minutes` for type I.
SCHEDULES = [
    {"name": "take-back-stale-work", "func": "core.tasks.take_back_stale_work", "schedule_type": "I", "minutes": 1},
    {"name": "clean-up-memorial-exports", "func": "memorial.tasks.clean_up_exports", "schedule_type": "H"},
    {"name": "send-message-digests", "func": "memorial.tasks.send_message_digests", "schedule_type": "H"},
    {"name": "purge-deleted-memorials", "func": "memorial.tasks.purge_deleted_memorials", "schedule_type": "D"},
    {"name": "send-remembrance-reminders", "func": "memorial.tasks.send_remembrance_reminders", "schedule_type": "D"},
]
# Where finished jobs are announced (the hand-back to a service server), signed with HMAC-SHA256.
ARTWORK_WEBHOOK_URL = env_str("ARTWORK_WEBHOOK_URL")
ARTWORK_WEBHOOK_SECRET = env_str("ARTWORK_WEBHOOK_SECRET", "")
ARTWORK_WEBHOOK_ALLOW_PRIVATE = env_bool("ARTWORK_WEBHOOK_ALLOW_PRIVATE", False)
# Style training: uploaded dataset zips, and how long one training may run in the worker.
TRAINING_ZIP_MAX_BYTES = env_int("TRAINING_ZIP_MAX_BYTES", 4 * 1024**3, minimum=1024)
TRAINING_ZIP_MAX_FILES = env_int("TRAINING_ZIP_MAX_FILES", 20_000, minimum=1)
TRAINING_TIMEOUT = env_int("TRAINING_TIMEOUT", 24 * 3600, minimum=60)
# Training runs for hours. Named here, it goes to that queue only, and a worker started with
# Q_QUEUE=<this name>, Q_TIMEOUT=<TRAINING_TIMEOUT> and Q_SCHEDULER=0 runs it
# (deploy/systemd/memorial-trainer.service): painting workers are never held by a training run.
# Empty: the painting workers train too (the embedded default).
TRAINING_QUEUE = env_str("TRAINING_QUEUE", "") or ""
# Tribute writers and speech engines.
TRIBUTE_WRITER = env_choice("TRIBUTE_WRITER", "builtin", ("builtin", "llm"))
TRIBUTE_LLM_BASE_URL = env_str("TRIBUTE_LLM_BASE_URL", "http://127.0.0.1:11434/v1")
TRIBUTE_LLM_MODEL = env_str("TRIBUTE_LLM_MODEL", "llama3.1")
TRIBUTE_LLM_API_KEY = env_str("TRIBUTE_LLM_API_KEY", "")
TRIBUTE_LLM_TIMEOUT = env_int("TRIBUTE_LLM_TIMEOUT", 20, minimum=1)
SPEECH_ENGINES = {
    "ko": env_choice("SPEECH_ENGINE_KO", "espeak", ("espeak", "gtts")),
    "en": env_choice("SPEECH_ENGINE_EN", "espeak", ("espeak", "gtts")),
}
SPEECH_TIMEOUT = env_int("SPEECH_TIMEOUT", 15, minimum=1)
SPEECH_GTTS_TLD = env_str("SPEECH_GTTS_TLD", "com")
SPEECH_GTTS_BASE_URL = env_str("SPEECH_GTTS_BASE_URL", "")
# The family's own recording of a painting's words (generation/speech/recording.py): the longest
# one kept, and the largest file taken (refused before it is decoded; 64 MiB holds five minutes
# of 48 kHz stereo WAV). It is decoded and re-encoded in the web process: 5 minutes take a few
# seconds of one core.
NARRATION_RECORDING_MAX_SECONDS = env_int("NARRATION_RECORDING_MAX_SECONDS", 300, minimum=5)
NARRATION_RECORDING_MAX_BYTES = env_int("NARRATION_RECORDING_MAX_BYTES", 64 * 1024**2, minimum=64 * 1024)
# "Download all memories": how long a finished zip's link works.
EXPORT_TTL_HOURS = env_int("EXPORT_TTL_HOURS", 48, minimum=1)
# A deleted memorial is hidden at once and destroyed after this many days unless restored.
MEMORIAL_RESTORE_DAYS = env_int("MEMORIAL_RESTORE_DAYS", 30, minimum=1)
# How long a web process trusts what it read of a memorial for guests (memorial/page_cache.py):
# a change made through another process reaches its guests within this many seconds.
MEMORIAL_PAGE_FRESH_SECONDS = env_int("MEMORIAL_PAGE_FRESH_SECONDS", 1, minimum=0)

# --- Accounts -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Mandatory in production; optional in development so a new user can try the site at once.
ACCOUNT_EMAIL_VERIFICATION = "optional" if DEBUG else "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupDetailsForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# Two-factor sign-in (allauth.mfa): an authenticator app's codes, and recovery codes for the day
# the phone is lost. Offered to everyone on the profile page, to staff first: the admin signs in
# through the same page (config/urls.py), with these limits and this second step.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# On: staff reach the admin only once they have turned two-factor sign-in on (they are sent to
# set it up first).
ADMIN_REQUIRE_TWO_FACTOR = env_bool("ADMIN_REQUIRE_TWO_FACTOR", False)
ACCOUNT_RATE_LIMITS = {
    # Calendar apps read a memorial's .ics every few hours, without cookies.
    "calendar": {
        "person": 120,
        "visitor": 120,
        "network": 1200,
        "cookieless": 600,
        "people_network": 1200,
        "window": 3600,
    },
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}

# --- E-mail -------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 15
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Languages ----------------------------------------------------------------------------
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "en", ("en", "ko"))
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Originals as uploaded (with their metadata): never served by URL, only to managers through a view.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private-media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "originals": {"BACKEND": "memorial.storage.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Scale-out: media on S3-compatible storage (django-storages). Every object is private; the site
# serves files only through views that check permission (they read them with field.open("rb")),
# so no object is ever addressed by a public URL. Originals go to their own bucket when
# ORIGINALS_BUCKET_NAME is set, else under the prefix ORIGINALS_LOCATION of the media bucket.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    _s3_options = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),  # unset: Amazon S3 itself
        "access_key": env_str("AWS_ACCESS_KEY_ID"),
        "secret_key": env_str("AWS_SECRET_ACCESS_KEY"),
        "region_name": env_str("AWS_S3_REGION_NAME"),
        "addressing_style": env_choice("AWS_S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual")),
        "signature_version": env_choice("AWS_S3_SIGNATURE_VERSION", "s3v4", ("s3v4", "s3")),
        "location": env_str("AWS_LOCATION", ""),
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300, minimum=10),
        # Never replace an object of the same name (two styles' LoRA files may share a name).
        "file_overwrite": False,
        # A file read for a response is spooled in memory up to this size, then on disk.
        "max_memory_size": env_int("AWS_S3_MAX_MEMORY_SIZE", 8 * 1024 * 1024, minimum=0),
    }
    ORIGINALS_BUCKET_NAME = env_str("ORIGINALS_BUCKET_NAME")
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
    STORAGES["originals"] = {
        "BACKEND": "memorial.storage.PrivateS3Storage",
        "OPTIONS": {
            **_s3_options,
            "bucket_name": ORIGINALS_BUCKET_NAME or AWS_STORAGE_BUCKET_NAME,
            "location": env_str("ORIGINALS_LOCATION", "" if ORIGINALS_BUCKET_NAME else "originals"),
        },
    }
    if not ORIGINALS_BUCKET_NAME and not STORAGES["originals"]["OPTIONS"]["location"].strip("/"):
        raise ImproperlyConfigured("ORIGINALS_LOCATION must not be empty when the originals share the media bucket.")
# Behind deploy/nginx: after a view has checked permission, nginx sends files on local disk
# (X-Accel-Redirect to <prefix>/media/... and <prefix>/private/..., internal locations). Empty:
# Django sends them itself (the embedded default; always with S3).
MEDIA_ACCEL_PREFIX = env_str("MEDIA_ACCEL_PREFIX", "") or ""
if MEDIA_ACCEL_PREFIX and not MEDIA_ACCEL_PREFIX.startswith("/"):
    raise ImproperlyConfigured("MEDIA_ACCEL_PREFIX must be a path starting with /, such as /_protected")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so that a signed-out client is answered 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        # DRF's, which also refuses another website's writes made as a guest (core/cross_site.py).
        "core.cross_site.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.ratelimit.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": "Memorials, albums, photos, condolences, offerings and artworks.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.schema.document_common_errors"],
    # Served from our own static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two models have a field named "status" with different choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "CondolenceStatusEnum": "memorial.models.Condolence.Status",
        "JobStatusEnum": "generation.models.JobStatus",
        "NarrationVoiceEnum": "generation.models.NarrationVoice",
        "CalendarEnum": "memorial.lunar.Calendar",
        "OfferingKindEnum": "memorial.models.Offering.Kind",
        "RemembranceKindEnum": "memorial.remembrance.Kind",
        "TimelineKindEnum": "memorial.models.TimelineEvent.Kind",
    },
}

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Everything the pages use is served by the site itself: no inline scripts or styles, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if not DEBUG:
    # TLS is ended by the proxy in front (see deploy/); it tells us the original scheme.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))},
}
