"""The public tables of results: rankings and the honor roll, each downloadable as CSV or XLSX.

Their rows are plain dicts read from published snapshots (ratings/views/results_public/display.py),
in the published order: a ranking is not re-sorted by a click, so the tables are not orderable. An
export writes the raw figures (0.75, not "75.0%"), the page writes them for people.
"""

import io

import django_tables2 as tables
import openpyxl
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tables2.export import TableExport

from portal.names import local_award, local_award_html, local_name, local_name_html
from portal.tables import PortalTable
from ratings.results import opendata
from ratings.templatetags.results_tags import percent, score

EXPORT_FORMATS = (TableExport.CSV, TableExport.XLSX)
TWO_YEARS = _("rated incompetent two years running")


def export_response(request, table, name: str):
    """The table as a file when the page was asked for `?_export=csv` or `xlsx`; otherwise None.

    The CSV is written for Excel (ratings/results/opendata.py): a byte-order mark, and a text such as a
    household number "007" kept as text. An XLSX cell holding text stays text, so it needs neither.
    """
    export_format = request.GET.get("_export")
    if export_format not in EXPORT_FORMATS:
        return None
    if export_format == TableExport.CSV:
        header, *rows = table.as_values()
        response = HttpResponse(
            opendata.spreadsheet_csv(header, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    # A spreadsheet's sheet name: at most 31 characters.
    exporter = TableExport(export_format, table, dataset_kwargs={"title": name[:31]})
    response = exporter.response(filename=f"{name}.{export_format}")
    if export_format == TableExport.XLSX:
        response.content = text_stays_text(response.content)
    return response


def text_stays_text(workbook: bytes) -> bytes:
    """The workbook with every cell the writer took for a formula (a text beginning with "=", such as
    an award a moderator typed) turned back into the text it was: nothing a villager or a clerk typed
    runs as a formula when the file is opened."""
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class FiguresTable(PortalTable):
    """Score, satisfaction, median grade and verdict, as every results table shows them."""

    score = tables.Column(verbose_name=_("Overall score"), attrs={"td": {"class": "text-end"}})
    satisfaction = tables.Column(verbose_name=_("Satisfaction"), attrs={"td": {"class": "text-end"}})
    median = tables.Column(verbose_name=_("Median grade"))
    verdict = tables.Column(verbose_name=_("Verdict"))

    class Meta(PortalTable.Meta):
        orderable = False

    def render_score(self, value):
        return score(value)

    def value_score(self, value):
        return value

    def render_satisfaction(self, value):
        return percent(value)

    def value_satisfaction(self, value):
        return value

    def render_verdict(self, value, record):
        if record.get("two_years"):
            return format_html('{} <span class="badge text-bg-danger">{}</span>', value, TWO_YEARS)
        return value

    def value_verdict(self, value, record):
        return f"{value} ({TWO_YEARS})" if record.get("two_years") else value


class VillageRankingTable(FiguresTable):
    """A village's cadres in rank order, as its published results rank them."""

    rank = tables.Column(verbose_name=_("Rank"))
    name = tables.Column(
        verbose_name=_("Cadre"), linkify=lambda record: reverse("ratings:cadre-history", args=[record["id"]])
    )
    post = tables.Column(verbose_name=_("Post"))
    verdict_share = tables.Column(
        verbose_name=_("Satisfied share the verdict used"), attrs={"td": {"class": "text-end"}}
    )

    def render_name(self, record):
        return local_name_html(record)

    def value_name(self, record):
        return local_name(record)

    class Meta(FiguresTable.Meta):
        sequence = ("rank", "name", "post", "score", "satisfaction", "median", "verdict_share", "verdict")
        empty_text = _("No cadre was rated.")

    def render_verdict_share(self, value):
        return percent(value)

    def value_verdict_share(self, value):
        return value


class RankingAcrossTable(FiguresTable):
    """Cadres holding one post across villages, ranked by score, each with its group of cadres the
    ballots cannot tell apart and how far one ballot moves its score."""

    rank = tables.Column(verbose_name=_("Rank"))
    tier = tables.Column(verbose_name=_("Group"), attrs={"td": {"class": "text-end"}})
    village = tables.Column(
        verbose_name=_("Village"),
        linkify=lambda record: reverse("ratings:results", args=[record["meeting_id"]]),
    )
    township = tables.Column(verbose_name=_("Township"))
    name = tables.Column(
        verbose_name=_("Cadre"), linkify=lambda record: reverse("ratings:cadre-history", args=[record["id"]])
    )
    ballots = tables.Column(verbose_name=_("Graded ballots"), attrs={"td": {"class": "text-end"}})
    swing = tables.Column(verbose_name=_("One ballot moves it by up to"), attrs={"td": {"class": "text-end"}})
    verdict_share = tables.Column(
        verbose_name=_("Satisfied share the verdict used"), attrs={"td": {"class": "text-end"}}
    )

    def render_name(self, record):
        return local_name_html(record)

    def value_name(self, record):
        return local_name(record)

    class Meta(FiguresTable.Meta):
        exclude = ("median",)
        sequence = (
            "rank",
            "tier",
            "village",
            "township",
            "name",
            "ballots",
            "score",
            "swing",
            "satisfaction",
            "verdict_share",
            "verdict",
        )
        empty_text = _("No village has published results for cadres holding this post.")

    def render_swing(self, value):
        return score(value)

    def value_swing(self, value):
        return value

    def render_verdict_share(self, value):
        return percent(value)

    def value_verdict_share(self, value):
        return value


class CadreHistoryTable(FiguresTable):
    """One cadre's published results, newest first."""

    year = tables.Column(verbose_name=_("Year"))
    meeting = tables.Column(
        verbose_name=_("Meeting"),
        linkify=lambda record: reverse("ratings:results", args=[record["meeting_id"]]),
    )
    post = tables.Column(verbose_name=_("Post"))
    rank = tables.Column(verbose_name=_("Rank in the village"))

    class Meta(FiguresTable.Meta):
        sequence = ("year", "meeting", "post", "score", "satisfaction", "median", "verdict", "rank")

    def render_rank(self, value, record):
        return _("%(rank)s of %(count)s") % {"rank": value, "count": record["ranked"]}

    def value_rank(self, value):
        return value


class HonorRollTable(PortalTable):
    """The households on the published honor roll, with their awards."""

    rank = tables.Column(verbose_name=_("Rank"))
    number = tables.Column(verbose_name=_("Household number"))
    name = tables.Column(verbose_name=_("Head of household"))
    votes = tables.Column(verbose_name=_("Ballot nominations"), attrs={"td": {"class": "text-end"}})
    committee_reason = tables.Column(verbose_name=_("The committees' reason"))
    award = tables.Column(verbose_name=_("Award"), empty_values=())
    award_amount = tables.Column(verbose_name=_("Amount (yuan)"), attrs={"td": {"class": "text-end"}})

    class Meta(PortalTable.Meta):
        orderable = False
        empty_text = _("No household is on the honor roll.")

    def render_award(self, record):
        return local_award_html(record) or "—"

    def value_award(self, record):
        return local_award(record)
