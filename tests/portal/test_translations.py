"""Every string of ours is translated into Simplified Chinese and Uyghur, and none is fuzzy."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
TRANSLATED = {"zh_Hans": "简体中文", "ug": "ئۇيغۇرچە"}
SOURCE_DIRS = ["portal", "meetings", "ratings", "templates"]


def catalog(locale: str, domain: str = "django") -> polib.POFile:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path} is missing"
    return polib.pofile(str(path))


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_has_no_untranslated_or_fuzzy_entry(locale):
    po = catalog(locale)
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, f"{locale}: untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{locale}: fuzzy: {fuzzy[:10]}"
    assert len(po) > 100


@pytest.mark.parametrize("locale", TRANSLATED)
def test_placeholders_survive_translation(locale):
    # A translation that drops or renames %(name)s or {{ name }} would crash or lie at run time.
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}|%[sd]")
    for entry in catalog(locale).translated_entries():
        if entry.msgid_plural:
            # A plural form may leave a number out ("one household"), never bring in an unknown one.
            allowed = set(pattern.findall(entry.msgid)) | set(pattern.findall(entry.msgid_plural))
            for text in entry.msgstr_plural.values():
                assert set(pattern.findall(text)) <= allowed, entry.msgid
            continue
        assert sorted(pattern.findall(entry.msgstr)) == sorted(pattern.findall(entry.msgid)), entry.msgid


def test_catalogs_hold_every_string_of_the_source(tmp_path):
    """Extract the strings afresh (GNU gettext's xgettext) and compare with the committed catalogs."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext is required in CI (apt-get install gettext).")
        pytest.skip("GNU gettext is not installed (apt-get install gettext): cannot extract strings.")
    base = Path(settings.BASE_DIR)
    for name in SOURCE_DIRS:
        shutil.copytree(base / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copytree(LOCALE_DIR, tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(base / "manage.py", tmp_path / "manage.py")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(base)}
    for locale in TRANSLATED:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", locale, "--no-obsolete", "--no-location"],
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
        )
        fresh = {
            entry.msgid
            for entry in polib.pofile(str(tmp_path / "locale" / locale / "LC_MESSAGES" / "django.po"))
        }
        committed = {entry.msgid for entry in catalog(locale) if not entry.obsolete}
        missing = sorted(fresh - committed)
        assert not missing, f"{locale}: strings not in the catalog (run makemessages): {missing[:10]}"


def test_language_names_render_in_their_own_script(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for name in TRANSLATED.values():
        assert name in page
