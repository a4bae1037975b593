"""Test settings: the real settings module, with what a test run must not depend on.

Three things differ, for speed and isolation: a fixed secret (no environment needed), the
plain static files storage (no collectstatic before every run; a test runs collectstatic with the
real storage), and a fast password hasher.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("PORTAL_ROLL_HASH_KEY", "test-roll-hash-key-not-for-production-fedcba9876543210")
os.environ.setdefault("PORTAL_AUDIT_KEY", "test-audit-key-not-for-production-13579bdf02468ace")
os.environ.setdefault("DJANGO_SECURE", "0")

from portal.settings import *  # noqa: E402,F403
from portal.settings import STORAGES  # noqa: E402

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "paper": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR / "var" / "test-paper"},  # noqa: F405
    },
    "speech": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR / "var" / "test-speech"},  # noqa: F405
    },
    "roll_uploads": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR / "var" / "test-roll-uploads"},  # noqa: F405
    },
    "visit_photos": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR / "var" / "test-visit-photos"},  # noqa: F405
    },
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
# Static files straight from the finders, as in development: no collectstatic before the browser tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
