"""A meeting's published results: the page, the open data, the printable notice, objections, honor roll.

Anyone, no login. Only a live snapshot (under public notice, or final) of a meeting that was not
annulled is public; for any other meeting every page here is a 404, whether it has no results yet,
a draft under review, or results withdrawn. What the pages show is the snapshot as published — its
`data` is the results.json served below — never a fresh count.
"""

import json

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.html import format_html
from django.utils.http import quote_etag
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_tables2 import RequestConfig

from portal import audit, ratelimit
from portal.http import client_address, rate_limited, show_service_error
from portal.ratelimit import RateLimited
from ratings.models import Objection, ResultSnapshot, VoterGroup
from ratings.results import display, opendata, tally
from ratings.results import services as results_services
from ratings.results.forms import ObjectionForm
from ratings.results.tables import HonorRollTable, VillageRankingTable, export_response

# The open data never changes for a published snapshot; a short cache still lets an annulment or a
# recount show within minutes.
OPEN_DATA_MAX_AGE = 300
HONOR_ROLL_SUMMARY = 5


def live_snapshot_or_404(meeting_pk: int) -> ResultSnapshot:
    """The meeting's published or final results, with the meeting and its place; else a 404."""
    return get_object_or_404(ResultSnapshot.objects.live().with_meeting(), meeting_id=meeting_pk)


def _file_name(snapshot: ResultSnapshot, what: str) -> str:
    """e.g. counts-653121100201-2024-v1: the village's division code, the year, the version."""
    meeting = snapshot.meeting
    return f"{what}-{meeting.village.code}-{meeting.year}-v{snapshot.version}"


def _open_data(request, content: bytes, content_type: str, filename: str, *, download: bool) -> HttpResponse:
    """A public file, cacheable, with an ETag of its SHA-256 so that a recheck costs no download."""
    etag = quote_etag(tally.sha256(content))
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{filename}"'
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=OPEN_DATA_MAX_AGE)
    return get_conditional_response(request, etag=etag, response=response)


def _publication_anchor(snapshot: ResultSnapshot) -> audit.Anchor | None:
    """The village's audit chain head at publication, as the county chain recorded it: printed on the
    notice and served in results.json, so that `verify_audit --anchor` can hold the log to it later."""
    return audit.anchor_of(snapshot, after="results_publish")


@require_safe
def results_page(request, pk):
    """The results: status, turnout, digest, every cadre's figures, the ranking, objections, honor roll."""
    snapshot = live_snapshot_or_404(pk)
    meeting, data = snapshot.meeting, snapshot.data
    ranking = VillageRankingTable(display.ranking_rows(data))
    RequestConfig(request, paginate=False).configure(ranking)
    export = export_response(request, ranking, _file_name(snapshot, "ranking"))
    if export:
        return export
    earlier = ResultSnapshot.objects.of_meeting(meeting).superseded().order_by("-version")
    # Objections to earlier versions stay listed: an upheld one is why there was a recount.
    objections = Objection.objects.public_of(meeting).select_related("snapshot").order_by("lodged_at", "pk")
    honor_roll = display.honor_rows(data)
    context = {
        "meeting": meeting,
        "snapshot": snapshot,
        "data": data,
        "grades": data["scheme"]["grades"],
        "cadres": display.cadre_sections(data),
        "ranking": ranking,
        "earlier": list(earlier),
        "objections": list(objections),
        "households": display.household_rows(data),
        "honor_roll": honor_roll[:HONOR_ROLL_SUMMARY],
        "honor_roll_count": len(honor_roll),
        "panel_ballots": data["turnout"].get("by_group", {}).get(VoterGroup.Kind.TOWNSHIP_PANEL, 0),
        **_disclosure_context(data),
    }
    return render(request, "ratings/results/results.html", context)


def _disclosure_context(data: dict) -> dict:
    """What the results page and the notice say of the k rule: figures withheld, groups pooled."""
    return {
        "withheld": display.figures_withheld(data),
        "pooled": display.pooled_groups(data),
        "k": display.disclosure_of(data).k,
        "method": display.method_of(data),
    }


@require_safe
def counts_csv(request, pk):
    """The disclosed counts, byte for byte the file whose SHA-256 results.json published."""
    snapshot = live_snapshot_or_404(pk)
    if display.is_legacy(snapshot.data):
        raise Http404("These results were published before counts.csv existed.")
    content = opendata.published_counts_csv(snapshot.data)
    return _open_data(
        request, content, "text/csv; charset=utf-8", f"{_file_name(snapshot, 'counts')}.csv", download=True
    )


@require_safe
def codebook_csv(request, pk):
    """What every code of the open data stands for, and the method's version and thresholds, as a
    spreadsheet; byte for byte the file whose SHA-256 results.json published."""
    snapshot = live_snapshot_or_404(pk)
    if "codebook_sha256" not in snapshot.data:
        raise Http404("These results were published before codebook.csv existed.")
    content = opendata.codebook_csv(snapshot.data)
    return _open_data(
        request, content, "text/csv; charset=utf-8", f"{_file_name(snapshot, 'codebook')}.csv", download=True
    )


@require_safe
def evaluations_csv(request, pk):
    """The households' evaluations' counts, byte for byte the file whose SHA-256 results.json published."""
    snapshot = live_snapshot_or_404(pk)
    if "evaluations_sha256" not in snapshot.data:
        raise Http404("These results hold no household's evaluation.")
    content = opendata.evaluations_csv(snapshot.data["households"])
    return _open_data(
        request,
        content,
        "text/csv; charset=utf-8",
        f"{_file_name(snapshot, 'evaluations')}.csv",
        download=True,
    )


@require_safe
def receipts_txt(request, pk):
    """The receipts of the counted ballots, sorted, alone: a voter finds theirs, and nothing more."""
    snapshot = live_snapshot_or_404(pk)
    content = tally.receipts_file(snapshot.meeting)
    return _open_data(
        request,
        content,
        "text/plain; charset=utf-8",
        f"{_file_name(snapshot, 'receipts')}.txt",
        download=True,
    )


@require_safe
def results_json(request, pk):
    """The snapshot's results.json, with which version it is and where it stands."""
    snapshot = live_snapshot_or_404(pk)
    anchor = _publication_anchor(snapshot)
    document = {
        **display.public_document(snapshot.data),
        "snapshot": {
            "version": snapshot.version,
            "status": snapshot.status,
            "published_at": snapshot.published_at.isoformat() if snapshot.published_at else None,
            "notice_ends": snapshot.notice_ends.isoformat() if snapshot.notice_ends else None,
            "finalized_at": snapshot.finalized_at.isoformat() if snapshot.finalized_at else None,
            "audit_anchor": anchor
            and {
                "chain": anchor.chain,
                "seq": anchor.seq,
                "hash": anchor.hash,
                "county_seq": anchor.county_seq,
                "county_hash": anchor.county_hash,
            },
        },
    }
    content = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")
    return _open_data(
        request,
        content,
        "application/json; charset=utf-8",
        f"{_file_name(snapshot, 'results')}.json",
        download=False,
    )


@require_safe
def results_notice(request, pk):
    """The printable A4 notice (公示) for the village notice board."""
    snapshot = live_snapshot_or_404(pk)
    data = snapshot.data
    context = {
        "meeting": snapshot.meeting,
        "snapshot": snapshot,
        "data": data,
        "rows": display.ranking_rows(data),
        "honor_roll": display.honor_rows(data),
        "anchor": _publication_anchor(snapshot),
        **_disclosure_context(data),
        **_notice_addresses(pk),
    }
    return render(request, "ratings/results/notice.html", context)


def _notice_addresses(pk: int) -> dict:
    """The public addresses the paper notice prints, with a QR code to the results; none without
    PORTAL_PUBLIC_URL: the address the page was opened by (a venue laptop's) reaches no villager."""
    if not settings.PUBLIC_URL:
        return {}
    results = settings.PUBLIC_URL + reverse("ratings:results", args=[pk])
    # segno's SVG holds the symbol as one path of coordinates, no text of ours.
    qr = segno.make_qr(results, error="m").svg_inline(
        scale=1, border=4, omitsize=True, svgclass="notice-qr-svg"
    )
    return {
        # Addresses read left to right, in a right-to-left notice too.
        "results_url": _ltr(results),
        "objection_url": _ltr(settings.PUBLIC_URL + reverse("ratings:objection-lodge", args=[pk])),
        "results_qr": mark_safe(qr),  # noqa: S308
    }


def _ltr(address: str) -> str:
    return format_html('<bdi dir="ltr">{}</bdi>', address)


@require_http_methods(["GET", "POST"])
def objection_lodge(request, pk):
    """Anyone, while the notice period runs: lodge an objection (rate-limited per connection)."""
    snapshot = live_snapshot_or_404(pk)
    browser, new = ratelimit.browser_id(request)
    return ratelimit.keep_browser_id(_objection_lodge(request, pk, snapshot, browser), browser, new)


def _objection_lodge(request, pk, snapshot, browser: str):
    context = {"meeting": snapshot.meeting, "snapshot": snapshot}
    if not snapshot.accepts_objections():
        return render(request, "ratings/results/objection_closed.html", context, status=409)
    form = ObjectionForm(request.POST or None, meeting_pk=pk)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                results_services.objection_lodge(
                    snapshot=snapshot,
                    sender_address=client_address(request),
                    sender_browser=browser,
                    **form.cleaned_data,
                )
            except RateLimited as error:
                context["message"] = str(error)
                return rate_limited(request, "ratings/results/objection_limited.html", context, error)
            except ValidationError as error:
                show_service_error(request, error, form=form)
            else:
                messages.success(
                    request,
                    _("Your objection has been lodged. Its ruling will be published on this page."),
                )
                return redirect(reverse("ratings:results", args=[pk]) + "#objections")
    return render(request, "ratings/results/objection_form.html", {**context, "form": form}, status=status)


@require_safe
def honor_roll(request, pk):
    """The honor roll (勤劳致富户) published with the results, with the awards."""
    snapshot = live_snapshot_or_404(pk)
    table = HonorRollTable(display.honor_rows(snapshot.data))
    RequestConfig(request, paginate=False).configure(table)
    export = export_response(request, table, _file_name(snapshot, "honor-roll"))
    if export:
        return export
    context = {
        "meeting": snapshot.meeting,
        "snapshot": snapshot,
        "table": table,
    }
    return render(request, "ratings/results/honor_roll.html", context)
