"""Which language version of a work report a page shows: the one rule, for every page that shows one.

A cadre may write their report in Chinese, in Uyghur, or both; each version is a `WorkReport` row of its
own (`language`), written, moderated, published and revised exactly as a report is. A Uyghur page shows
the Uyghur version once it is published, else the Chinese one with a note that it is not available in
Uyghur; every other page shows the Chinese version, with a link to the Uyghur one, and the Uyghur one
when it is the only version published.
"""

from collections.abc import Iterable

from django.utils import translation

from meetings.models import WorkReport

CHINESE = WorkReport.Language.CHINESE
UYGHUR = WorkReport.Language.UYGHUR


def page_language(language: str | None = None) -> str:
    """The version a page in `language` (by default the active one) reads first."""
    return UYGHUR if (language or translation.get_language() or "").startswith("ug") else CHINESE


def preferred(versions: Iterable[WorkReport], language: str | None = None) -> WorkReport | None:
    """Of the given versions of one report, the one a page in `language` shows, the other as fallback."""
    by_language = {version.language: version for version in versions}
    first = page_language(language)
    return by_language.get(first) or by_language.get(UYGHUR if first == CHINESE else CHINESE)


def shown_per_cadre(reports: Iterable[WorkReport], language: str | None = None) -> dict[int, WorkReport]:
    """Cadre id → the version shown, of each cadre's published reports at one meeting."""
    by_cadre: dict[int, list[WorkReport]] = {}
    for report in reports:
        by_cadre.setdefault(report.cadre_id, []).append(report)
    return {cadre_id: preferred(versions, language) for cadre_id, versions in by_cadre.items()}


def version_to_show(
    requested: WorkReport, versions: dict[str, WorkReport], *, asked: str | None = None
) -> WorkReport:
    """The version the report page shows, of the versions the reader may read.

    A version asked for by name (`?language=`) is shown as it is. The Uyghur version's own address
    shows it on any page. The Chinese version's address on a Uyghur page shows the Uyghur version
    once it is published, else the Chinese one (with the note the page adds).
    """
    if asked in versions:
        return versions[asked]
    uyghur = versions.get(UYGHUR)
    if (
        requested.language == CHINESE
        and page_language() == UYGHUR
        and uyghur is not None
        and uyghur.status == WorkReport.Status.PUBLISHED
    ):
        return uyghur
    return requested
