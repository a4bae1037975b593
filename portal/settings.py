"""Settings for the portal, driven by environment variables.

Safe defaults for a laptop at the venue (SQLite under var/, DEBUG off unless asked for); no default at
all for what production must set: without DJANGO_DEBUG=1 a secret key is required.
"""

import datetime
import os
from pathlib import Path

import bootstrap_wrapper
import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-DJANGO_DEBUG=1"  # noqa: S105 (debug only)

# ID-card numbers are stored only as a keyed hash. Its key is kept apart from SECRET_KEY, and required
# in production: derived from the secret key, anyone who learnt that key (it signs every cookie) could
# recover ID numbers from the roll's hashes, and rotating it would orphan the roll.
ROLL_HASH_KEY = os.environ.get("PORTAL_ROLL_HASH_KEY", "")
if not ROLL_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "PORTAL_ROLL_HASH_KEY must be set when DJANGO_DEBUG is off (make run writes one: var/local.env)."
        )
    ROLL_HASH_KEY = f"roll:{SECRET_KEY}"
elif ROLL_HASH_KEY == SECRET_KEY:
    raise ImproperlyConfigured("PORTAL_ROLL_HASH_KEY must not be the same as DJANGO_SECRET_KEY.")
# The audit log's entries are keyed hashes under a key that is not in the database, so that whoever can
# write to the database cannot rewrite an entry and recompute the chain. Required in production: derived
# from the secret key, it would be one more thing that key unlocks.
AUDIT_KEY = os.environ.get("PORTAL_AUDIT_KEY", "")
if not AUDIT_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "PORTAL_AUDIT_KEY must be set when DJANGO_DEBUG is off (make run writes one: var/local.env)."
        )
    AUDIT_KEY = f"audit:{SECRET_KEY}"
elif AUDIT_KEY in {SECRET_KEY, ROLL_HASH_KEY}:
    raise ImproperlyConfigured(
        "PORTAL_AUDIT_KEY must not be the same as DJANGO_SECRET_KEY or PORTAL_ROLL_HASH_KEY."
    )
# Ballot codes and terminal tokens are stored as keyed hashes too, under a key of their own.
BALLOT_CODE_KEY = os.environ.get("PORTAL_BALLOT_CODE_KEY", "") or f"ballot:{SECRET_KEY}"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "portal.apps.PortalAdminConfig",  # django.contrib.admin on the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tables2",
    "django_filters",
    "axes",
    "portal",
    "meetings",
    "ratings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "portal.http.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.passwords.PasswordChangeDueMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# What a page may load and run: its own scripts, styles, images and requests, nothing inline, nothing from
# elsewhere (the venue has no internet, and an injected script or style has nowhere to come from).
# Images also from data: URIs (Bootstrap's stylesheet draws its icons so) and blob: (a photo previewed
# before upload); the kiosk's camera stream is no fetch at all. No page may be framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Powerful browser features, refused to every page (portal.headers); the kiosk's code page alone may use
# the camera, for the QR code of a slip.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()"

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.site",
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://… for a county) or an SQLite file under var/ for one village.
# SQLite runs in WAL mode with IMMEDIATE transactions and a busy timeout, so that several terminals
# writing at once queue for the write lock instead of failing with "database is locked".
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    # synchronous=FULL: in WAL mode NORMAL survives a killed process but may lose the last commits on a
    # power cut, and a venue laptop meets power cuts; FULL syncs the log at every commit, so an
    # acknowledged ballot is on the disk.
    # secure_delete: a deleted row (a ballot before the box is shaken) is overwritten, not left in the file.
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
    ),
}
DATABASES = {
    # An empty DATABASE_URL counts as unset, as with every other variable here.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff login lockout (django-axes). Failures are counted per (account, address) pair, so that someone
# elsewhere cannot lock a village's clerk out on meeting day by typing wrong passwords for the clerk's
# name: only that pair is locked. A locked pair is refused without hashing a password, for
# PORTAL_LOGIN_COOLOFF_MINUTES after the failure that locked it, or until a township administrator unlocks it
# (portal.lockout). Counted in the database, so the count holds across several app servers.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("PORTAL_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("PORTAL_LOGIN_COOLOFF_MINUTES", 15)))
AXES_RESET_ON_SUCCESS = True
# An attempt on a locked pair is refused without a write: axes would otherwise append the request's
# data to the pair's row at every attempt, a row an attacker could grow without end.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "portal.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
# Unlocking goes through the staff page, which writes the audit log; not through the Django admin.
AXES_ENABLE_ADMIN = False
# Quiet start-up: every management command would otherwise log the axes banner.
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff:dashboard"
LOGOUT_REDIRECT_URL = "home"

# Languages: Simplified Chinese by default, Uyghur (right-to-left) and English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("ug", _("Uyghur")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Bootstrap's dist files come from the bootstrap-wrapper wheel (pinned in requirements.txt): no CDN,
# nothing third-party committed. They are served as static/bootstrap/css/… and static/bootstrap/js/….
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", bootstrap_wrapper.get_bootstrap_dir())]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
# Uploads are served by the web server in production; the laptop at the venue has none, so the app
# serves them itself when asked to (`make run` does).
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", DEBUG)
# Scanned paper ballots are kept apart from MEDIA_ROOT, which may be served as it is: they are read
# only through the paper count's staff pages.
PAPER_ROOT = Path(os.environ.get("PORTAL_PAPER_ROOT", VAR_DIR / "paper"))
# The spoken ballot's audio (ratings.speech): synthesized and recorded clips, named by their digest and
# served only through the ballot's doors and the staff's recording page.
SPEECH_ROOT = Path(os.environ.get("PORTAL_SPEECH_ROOT", VAR_DIR / "speech"))
# A roll file waiting for the clerk to confirm its preview (portal.roll_import.pending): full ID numbers,
# so never under MEDIA_ROOT, and deleted once imported or ROLL_PREVIEW_MAX_AGE seconds old.
ROLL_UPLOAD_ROOT = Path(os.environ.get("PORTAL_ROLL_UPLOAD_ROOT", VAR_DIR / "roll-uploads"))
ROLL_PREVIEW_MAX_AGE = 60 * 60
# Photos taken at cadres' visits to households, with the household's agreement: never public, so never
# under MEDIA_ROOT; shown only through the visit log's staff pages.
VISIT_PHOTO_ROOT = Path(os.environ.get("PORTAL_VISIT_PHOTO_ROOT", VAR_DIR / "visit-photos"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "paper": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": PAPER_ROOT}},
    "speech": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": SPEECH_ROOT},
    },
    "roll_uploads": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": ROLL_UPLOAD_ROOT},
    },
    "visit_photos": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VISIT_PHOTO_ROOT},
    },
}
# The speech synthesizer (docs/spoken-ballot.md): Debian's espeak-ng, run on the laptop, no internet.
# Its voice for each language a villager may choose; a language without one has no listen button.
SPEECH_COMMAND = os.environ.get("PORTAL_SPEECH_COMMAND", "espeak-ng")
SPEECH_VOICES = {"zh-hans": "cmn", "ug": "ug"}
# A clerk's recording of one text (a name, a sentence): a few seconds of Opus or WAV.
SPEECH_RECORDING_MAX_BYTES = 2 * 1024 * 1024
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "includes/table.html"

# Security. DJANGO_SECURE (on by default when DEBUG is off) assumes HTTPS in front of the app; a
# laptop serving the venue over plain HTTP sets DJANGO_SECURE=0 (see docs/production.md).
SECURE = env_bool("DJANGO_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = SECURE and env_bool("DJANGO_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31536000 if SECURE else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# None without a proxy in front; portal.http.client_address then counts the peer's address.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Roll files may hold a few thousand rows; larger ones are refused before parsing.
ROLL_IMPORT_MAX_BYTES = 5 * 1024 * 1024
# An XLSX is a zip: what it unpacks to is limited too, read from the zip's directory before parsing
# (portal.roll_import). A roll of 20,000 rows unpacks to some 10 MB.
ROLL_IMPORT_MAX_UNPACKED_BYTES = 25 * 1024 * 1024
# Uploaded photos and PDFs (portal.uploads): the largest file, and the most pixels an image may have,
# checked before it is decoded, since a small file can unpack to gigabytes (a "pixel bomb").
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
UPLOAD_MAX_IMAGE_PIXELS = 50_000_000
# Scanned paper ballots (ratings.paper): one upload, all its files together; a scanner's PDF of 100
# sheets at 200 dpi in grey is some 20 to 40 MB.
PAPER_UPLOAD_MAX_BYTES = int(os.environ.get("PORTAL_PAPER_UPLOAD_MAX_MB", 40)) * 1024 * 1024
# An upload past the largest accepted file is cut off while it arrives, not after (portal.uploads).
FILE_UPLOAD_HANDLERS = [
    "portal.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# The installation's Ed25519 key that signs the meeting bundles it exports (portal/signing.py); made
# once with `manage.py signing_key`. Its public half is what the county registers for the village.
SIGNING_KEY_FILE = Path(os.environ.get("PORTAL_SIGNING_KEY_FILE") or VAR_DIR / "signing-key.pem")
# On a venue laptop: the county server's public signing key (base64, as its `signing_key` prints it).
# `village_receive` accepts a village's preparation file only if this key signed it; empty, it refuses
# every one. The county itself leaves it empty (docs/venue-to-county.md).
COUNTY_PUBLIC_KEY = os.environ.get("PORTAL_COUNTY_PUBLIC_KEY", "").strip()
# A meeting bundle uploaded to the county: the whole zip, and what it may unpack to.
BUNDLE_MAX_BYTES = int(os.environ.get("PORTAL_BUNDLE_MAX_MB", 20)) * 1024 * 1024
BUNDLE_MAX_UNPACKED_BYTES = 8 * BUNDLE_MAX_BYTES

# Days the published results stay under public notice before they can become final (the brief's 7).
RESULTS_NOTICE_DAYS = int(os.environ.get("PORTAL_NOTICE_DAYS", 7))
# The official calendar that working-day deadlines count on (portal.workdays), as comma-separated ISO
# dates: public holidays that fall on a weekday, and the weekend days worked in exchange (调休上班).
# Each year's State Council notice gives both; a county sets them before the year begins.
# A date that does not read is an error at start, not a wrong deadline later.
HOLIDAYS = [datetime.date.fromisoformat(day) for day in env_list("PORTAL_HOLIDAYS")]
MAKEUP_WORKDAYS = [datetime.date.fromisoformat(day) for day in env_list("PORTAL_MAKEUP_WORKDAYS")]
# A household's evaluation (ratings.evaluations): days its result is posted, by default and for an exit
# from poverty, and the working days after the notice within which the county decides.
HOUSEHOLD_NOTICE_DAYS = int(os.environ.get("PORTAL_HOUSEHOLD_NOTICE_DAYS", 5))
HOUSEHOLD_EXIT_NOTICE_DAYS = int(os.environ.get("PORTAL_HOUSEHOLD_EXIT_NOTICE_DAYS", 7))
HOUSEHOLD_DECISION_WORKING_DAYS = int(os.environ.get("PORTAL_HOUSEHOLD_DECISION_WORKING_DAYS", 20))
# A household flagged at risk (meetings.monitoring) with no visit in this many days is listed to the township.
MONITORING_RECENT_VISIT_DAYS = int(os.environ.get("PORTAL_MONITORING_RECENT_VISIT_DAYS", 30))
# Fewest ballots that must grade a cadre (on every criterion) for a verdict and a rank; below it the
# cadre gets "not enough grades" (docs/method.md says why 10: below it one ballot moves a share by
# more than 10 points, and "excellent" at 90% would need every single grade).
RESULTS_MIN_GRADED_BALLOTS = int(os.environ.get("PORTAL_MIN_GRADED_BALLOTS", 10))

# The cache holds what must be counted without writing rows (the receipt-check limit, portal.ratelimit).
# On the laptop it is each process's memory: nothing to install. A county running several app servers
# sets REDIS_URL (redis://host:6379/0) so that they count once, in Django's own Redis cache.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("PORTAL_CACHE_PREFIX", "portal"),
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# What anyone may do without an account is limited per network address (portal.ratelimit). One address
# may be a whole village (a carrier's shared address, the village office's router), so questions and
# objections are limited per browser, tightly, and per address only loosely, against a flood.
QUESTIONS_PER_BROWSER_PER_HOUR = int(os.environ.get("PORTAL_QUESTIONS_PER_BROWSER_PER_HOUR", 3))
QUESTIONS_PER_ADDRESS_PER_HOUR = int(os.environ.get("PORTAL_QUESTIONS_PER_ADDRESS_PER_HOUR", 30))
OBJECTIONS_PER_BROWSER_PER_HOUR = int(os.environ.get("PORTAL_OBJECTIONS_PER_BROWSER_PER_HOUR", 3))
OBJECTIONS_PER_ADDRESS_PER_HOUR = int(os.environ.get("PORTAL_OBJECTIONS_PER_ADDRESS_PER_HOUR", 30))
RECEIPT_CHECKS_PER_WINDOW = int(os.environ.get("PORTAL_RECEIPT_CHECKS_PER_WINDOW", 30))
RECEIPT_CHECK_WINDOW_SECONDS = int(os.environ.get("PORTAL_RECEIPT_CHECK_WINDOW_SECONDS", 10 * 60))
# Wrong codes of households' cards (the visit log's household page) from one address, per window.
HOUSEHOLD_WRONG_CODES_PER_WINDOW = int(os.environ.get("PORTAL_HOUSEHOLD_WRONG_CODES_PER_WINDOW", 10))
HOUSEHOLD_WRONG_CODES_WINDOW_SECONDS = int(
    os.environ.get("PORTAL_HOUSEHOLD_WRONG_CODES_WINDOW_SECONDS", 15 * 60)
)

# The kiosk's timings, in seconds (docs/kiosk.md gives the reasoning at length). A villager grades one
# cadre per screen, a tap per line: the longest silence between two taps is reading a cadre's two-line
# summary or a line's meaning, well under a minute even for a slow reader. So:
# - KIOSK_IDLE_SECONDS (90): no input for this long asks "still voting?" and hides the choices. Shorter
#   than VVSG 2007's voter inactivity time (2 to 5 minutes, for long general-election ballots), because
#   here the question loses nothing (one tap brings the ballot back) while every second shows a
#   walked-away ballot to the next in the queue;
# - KIOSK_IDLE_GRACE_SECONDS (30): unanswered for this long, the ballot is cleared (the code stays
#   unused). Within VVSG's alert time of 20 to 45 seconds; the clearing comes 2 minutes after the last
#   touch, VVSG's shortest inactivity time, so nobody loses a ballot sooner than the guidance allows;
# - KIOSK_RECEIPT_SECONDS (45): how long the receipt shows before the screen resets, long enough for
#   an elderly villager to copy 8 letters and digits onto the slip (the receipt page has a button to
#   hide it sooner);
# - KIOSK_ABANDONED_SECONDS (300): the server's own limit, for a browser whose script did not run: a
#   ballot whose terminal sent nothing for this long is cleared at the next request (VVSG's longest
#   inactivity time);
# - KIOSK_HEARTBEAT_SECONDS (5): how often the screen reports its state, and so how soon a remote clear
#   reaches it and how fresh the operator's terminal list is (which polls as often).
KIOSK_IDLE_SECONDS = int(os.environ.get("PORTAL_KIOSK_IDLE_SECONDS", 90))
KIOSK_IDLE_GRACE_SECONDS = int(os.environ.get("PORTAL_KIOSK_IDLE_GRACE_SECONDS", 30))
KIOSK_RECEIPT_SECONDS = int(os.environ.get("PORTAL_KIOSK_RECEIPT_SECONDS", 45))
KIOSK_ABANDONED_SECONDS = int(os.environ.get("PORTAL_KIOSK_ABANDONED_SECONDS", 5 * 60))
KIOSK_HEARTBEAT_SECONDS = int(os.environ.get("PORTAL_KIOSK_HEARTBEAT_SECONDS", 5))

# The site's public address as villagers reach it from anywhere (e.g. https://pingyi.example.gov.cn),
# printed with a QR code on the notice for the village board. Empty (a laptop at the venue): the notice
# prints no address, since the one it was opened by (127.0.0.1, the venue's Wi-Fi) reaches no villager.
PUBLIC_URL = os.environ.get("PORTAL_PUBLIC_URL", "").rstrip("/")

# Villagers' own phones (the second door, allowed per meeting; docs/phones.md):
# - PHONE_BASE_URL: the address phones reach this server by on the venue's Wi-Fi, e.g.
#   http://192.168.137.1:8000, printed into each slip's QR code. Empty: the address the slips page was
#   opened by, unless that is this machine's own (127.0.0.1), which no phone can reach: then the QR
#   code holds the code alone, for the terminals' scanners;
# - PHONE_PASS_SECONDS (1800): how long a phone may take between its code and casting;
# - PHONE_WRONG_CODES_PER_WINDOW (10) per PHONE_WRONG_CODES_WINDOW_SECONDS (600): wrong codes from one
#   network address before it must wait (a terminal counts its own; a phone has nothing else to count on).
PHONE_BASE_URL = os.environ.get("PORTAL_PHONE_BASE_URL", "").rstrip("/")
PHONE_PASS_SECONDS = int(os.environ.get("PORTAL_PHONE_PASS_SECONDS", 30 * 60))
PHONE_WRONG_CODES_PER_WINDOW = int(os.environ.get("PORTAL_PHONE_WRONG_CODES_PER_WINDOW", 10))
PHONE_WRONG_CODES_WINDOW_SECONDS = int(os.environ.get("PORTAL_PHONE_WRONG_CODES_WINDOW_SECONDS", 10 * 60))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
