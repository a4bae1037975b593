"""The one place that decides which of a name's two scripts a page shows.

Townships, villages, households, residents and cadres have a Chinese name (for a household, its label
on the roll) and may have a Uyghur one (`name_ug`). A Uyghur page shows the Uyghur name, falling back to
the Chinese; every other page shows the Chinese, falling back to the Uyghur. Snapshots of results keep
names as plain dicts ({"name": …, "name_ug": …}), read here the same way.
"""

from collections.abc import Mapping

from django.utils import translation
from django.utils.html import format_html

UYGHUR = "ug"


def _scripts(thing) -> tuple[str, str]:
    """(Chinese, Uyghur) of a model instance or a snapshot's dict."""
    if isinstance(thing, Mapping):
        return str(thing.get("name") or ""), str(thing.get("name_ug") or "")
    # A household's Chinese name is its label on the roll.
    chinese = getattr(thing, "name", None)
    if chinese is None:
        chinese = getattr(thing, "number", "")
    return str(chinese or ""), str(getattr(thing, "name_ug", "") or "")


def local_name(thing, language: str | None = None) -> str:
    """The name to show in `language` (by default the active one), the other script as the fallback."""
    if thing is None:
        return ""
    chinese, uyghur = _scripts(thing)
    if (language or translation.get_language() or "").startswith(UYGHUR):
        return uyghur or chinese
    return chinese or uyghur


def local_award(household, language: str | None = None) -> str:
    """An honor roll household's award (a snapshot's dict) in the page's script: "award" in Chinese,
    "award_ug" in Uyghur, each the other's fallback."""
    return local_name({"name": household.get("award"), "name_ug": household.get("award_ug")}, language)


def local_award_html(household, language: str | None = None):
    award = local_award(household, language)
    return format_html("<bdi>{}</bdi>", award) if award else ""


def local_name_html(thing, language: str | None = None):
    """The local name isolated in <bdi>, so that a Chinese name's punctuation (or a Uyghur name in a
    Chinese page) keeps its own direction and never reorders the text around it."""
    name = local_name(thing, language)
    return format_html("<bdi>{}</bdi>", name) if name else ""
