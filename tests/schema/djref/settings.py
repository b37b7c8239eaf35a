"""Throwaway Django 3.2 settings for the reference schema: the `exports`
app with the seed models (shared/seed/export_schema.md) and django.contrib.auth,
on the MariaDB named by the environment (DJREF_DB_NAME, DJREF_DB_SOCKET)."""
import os

SECRET_KEY = "reference-schema-only"
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "exports",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": os.environ.get("DJREF_DB_NAME", "djref"),
        "USER": os.environ.get("DJREF_DB_USER", "root"),
        "PASSWORD": os.environ.get("DJREF_DB_PASSWORD", ""),
        "HOST": os.environ.get("DJREF_DB_SOCKET", "localhost"),
        "OPTIONS": {"charset": "utf8mb4"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
