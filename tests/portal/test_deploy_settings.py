"""Production settings, checked the way production loads them: a fresh process and only its environment."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import override_settings


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    """Run manage.py with nothing of this environment but the path to the interpreter."""
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", **environ}
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_environment(tmp_path) -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "PORTAL_ROLL_HASH_KEY": secrets.token_urlsafe(50),
        "PORTAL_AUDIT_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
    }


def test_production_settings_pass_the_deploy_checks(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_laptop_mode_is_flagged_by_the_deploy_checks(tmp_path):
    # Plain HTTP at the venue (DJANGO_SECURE=0) is a deliberate choice, not one to make by accident.
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_SECURE="0", **production_environment(tmp_path)
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr  # no redirect to HTTPS
    assert "security.W012" in result.stderr  # session cookie sent over plain HTTP


def without(name):
    return lambda environment: environment.pop(name)


def same_as_the_secret_key(environment):
    environment["PORTAL_ROLL_HASH_KEY"] = environment["DJANGO_SECRET_KEY"]


def audit_key_as(other):
    def change(environment):
        environment["PORTAL_AUDIT_KEY"] = environment[other]

    return change


@pytest.mark.parametrize(
    "change, said",
    [
        (without("DJANGO_SECRET_KEY"), "DJANGO_SECRET_KEY"),
        (without("PORTAL_ROLL_HASH_KEY"), "PORTAL_ROLL_HASH_KEY must be set"),
        (same_as_the_secret_key, "must not be the same as DJANGO_SECRET_KEY"),
        (without("PORTAL_AUDIT_KEY"), "PORTAL_AUDIT_KEY must be set"),
        (audit_key_as("DJANGO_SECRET_KEY"), "PORTAL_AUDIT_KEY must not be the same"),
        (audit_key_as("PORTAL_ROLL_HASH_KEY"), "PORTAL_AUDIT_KEY must not be the same"),
    ],
    ids=[
        "no secret key",
        "no roll hash key",
        "roll hash key is the secret key",
        "no audit key",
        "audit key is the secret key",
        "audit key is the roll hash key",
    ],
)
def test_production_settings_refuse_to_load_without_their_keys(tmp_path, change, said):
    environment = production_environment(tmp_path)
    change(environment)
    result = manage("check", **environment)
    assert result.returncode != 0
    assert said in result.stderr


def test_collectstatic_with_the_production_storage_hashes_and_compresses(tmp_path):
    production_storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=production_storages, DEBUG=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        url = static("bootstrap/css/bootstrap.rtl.min.css")

    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed = manifest["bootstrap/css/bootstrap.rtl.min.css"]
    assert hashed != "bootstrap/css/bootstrap.rtl.min.css"
    assert url == f"/static/{hashed}"  # what the templates link to
    assert (tmp_path / hashed).is_file()
    assert (tmp_path / f"{hashed}.gz").is_file()  # whitenoise serves it to browsers that accept gzip
    assert "portal/css/portal.css" in manifest
