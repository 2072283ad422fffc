"""Test settings: the real settings on real PostgreSQL, with a dev key and a fast hasher."""

import os

os.environ.setdefault("DEBUG", "0")

from lotledger.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
AXES_ENABLED = False  # tests that check login throttling turn it on with override_settings
