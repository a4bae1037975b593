"""The township's (and the county's) counts of the visit log: visits per cadre against the township's
requirement for a month, as a table, a chart drawn on the server (SVG, no script) and a CSV file; and
the households' problems open for long."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from meetings.visits import counts
from meetings.visits.services import visits_per_month
from meetings.visits.views.helpers import managed_township_or_404
from portal.names import local_name
from portal.permissions import Capability
from portal.spreadsheets import spreadsheet_csv

BAR_HEIGHT = 22
LABEL_WIDTH = 140
CHART_WIDTH = 320


def chart(rows: list[counts.CadreRow]) -> dict:
    """The bars of the chart: each cadre's visits made against those required, in SVG units."""
    most = max([row.required for row in rows] + [row.made for row in rows] + [1])
    scale = (CHART_WIDTH - LABEL_WIDTH - 40) / most
    bars = [
        {
            "row": row,
            "y": index * BAR_HEIGHT,
            "text_y": index * BAR_HEIGHT + 15,
            "made": round(row.made * scale, 1),
            "required": round(row.required * scale, 1),
            "value_x": LABEL_WIDTH + round(max(row.made, row.required) * scale, 1) + 4,
        }
        for index, row in enumerate(rows)
    ]
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": max(1, len(rows)) * BAR_HEIGHT,
        "label_width": LABEL_WIDTH,
        "label_x": LABEL_WIDTH - 6,
    }


def _at_risk_csv(township) -> tuple[list, list]:
    header = [_("Village"), _("Household"), _("Category"), _("Risk"), _("Found on"), _("Last visit")]
    body = [
        [
            flag.household.village.name,
            flag.household.number,
            flag.get_category_display(),
            flag.get_risk_display(),
            flag.raised_at.date().isoformat(),
            flag.last_visit.isoformat() if flag.last_visit else "",
        ]
        for flag in counts.at_risk_without_recent_visit(township)
    ]
    return header, body


def _overdue_csv(township) -> tuple[list, list]:
    header = [_("Village"), _("Household"), _("Measure"), _("Owner"), _("Due date")]
    body = [
        [
            measure.flag.household.village.name,
            measure.flag.household.number,
            local_name(measure.kind),
            measure.owner.name,
            measure.due_date.isoformat(),
        ]
        for measure in counts.measures_overdue(township)
    ]
    return header, body


# `?format=csv&table=…`: the monitoring tables of the page (the visits per cadre without `table`).
MONITORING_CSV = {"at-risk": _at_risk_csv, "overdue": _overdue_csv}


@login_required
@require_GET
def frequency(request, code):
    """Township administrators of the township and the county's officers over it: visits per cadre in
    a month against the requirement, the problems open for long, the households at risk without a
    recent visit and the measures overdue. `?format=csv` downloads the table (`&table=at-risk`,
    `overdue`)."""
    township = managed_township_or_404(request.user, code, Capability.VIEW_VISITS)
    month = counts.Month.of(request.GET.get("month"))
    rows = counts.frequency_table(township, month)
    if request.GET.get("format") == "csv" and request.GET.get("table") in MONITORING_CSV:
        header, body = MONITORING_CSV[request.GET["table"]](township)
        response = HttpResponse(spreadsheet_csv(header, body), content_type="text/csv; charset=utf-8")
        name = f"{request.GET['table']}-{township.code}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if request.GET.get("format") == "csv":
        header = [
            _("Village"),
            _("Cadre"),
            _("Households paired"),
            _("Visits required"),
            _("Visits made"),
            _("Below the requirement"),
        ]
        body = [
            [
                row.cadre.village.name,
                row.cadre.name,
                row.households,
                row.required,
                row.made,
                _("yes") if row.below else _("no"),
            ]
            for row in rows
        ]
        response = HttpResponse(spreadsheet_csv(header, body), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="visits-{township.code}-{month.key}.csv"'
        return response
    context = {
        "township": township,
        "month": month,
        "rows": rows,
        "below": sum(row.below for row in rows),
        "per_month": visits_per_month(township),
        "chart": chart(rows),
        "open_for_long": counts.open_for_long(township)[:200],
        "open_days": counts.OPEN_FOR_LONG.days,
        "at_risk": counts.at_risk_without_recent_visit(township)[:200],
        "recent_days": settings.MONITORING_RECENT_VISIT_DAYS,
        "overdue": counts.measures_overdue(township)[:200],
    }
    return render(request, "meetings/visits/frequency.html", context)
