"""The staff side of results: review and publication, the objections queue, the honor roll.

Who may do what (portal.permissions): the village's moderators and its township administrators
(MODERATE) see the results review, rule on objections and keep the honor roll; only township
administrators (MANAGE_MEETINGS) compute, publish and finalize results: a moderator who asks to is
refused (403). Any other village's meeting, objection or candidate is a 404 (meetings.access,
ratings.access); the services check the capability again.

Every change is a POST. An input the form refuses is a 400; a refusal of the service once the input
is valid concerns the state of the meeting (below quorum, a review still pending, already ruled…) and
is a 409. Either way the page is shown again with the message, and nothing is saved.
"""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from meetings.access import get_meeting_for_user_or_404
from meetings.models import IllegalTransition, Meeting
from meetings.quorum import quorum_of
from portal import permissions
from portal.http import show_service_error
from portal.models import Household
from portal.permissions import Capability
from ratings import aggregation
from ratings.access import get_honor_candidate_for_user_or_404, get_objection_for_user_or_404
from ratings.ballot.reconciliation import reconciliation_of
from ratings.models import BundleImport, HonorCandidate, HonorNomination, Objection, ResultSnapshot
from ratings.results import display, tally
from ratings.results import services as results_services
from ratings.results.forms import NominateForm, PublishForm, ReviewForm, RulingForm

CONFLICT = 409
BAD_INPUT = 400
QUEUE_PER_PAGE = 25
RECENT_RULINGS = 20


# --- results review -------------------------------------------------------------------------------


def _percent(share) -> float | None:
    # The published share as a percentage, exactly (docs/method.md: no second rounding).
    return None if share is None else float(aggregation.round_half_up(share) * 100)


def _cadre_rows(data: dict) -> list[dict]:
    """What the reviewer reads of each cadre, best rank first."""
    # The same translated words as the public pages (a known grade's word, not its stored label).
    grades = display.grade_labels(data.get("scheme", {"grades": []}))
    rows = []
    for cadre in data.get("cadres", []):
        overall = cadre.get("overall") or {}
        rows.append(
            {
                "name": cadre.get("name", ""),
                "post": display.post_label(cadre.get("post", "")),
                "score": overall.get("score"),
                "satisfaction": overall.get("satisfaction"),
                "median": grades.get(overall.get("median_grade"), overall.get("median_grade")),
                "verdict": cadre.get("verdict"),
                "verdict_label": display.verdict_label(cadre.get("verdict")),
                "rank": cadre.get("rank"),
                "flagged": cadre.get("incompetent_two_years", False),
            }
        )
    return sorted(rows, key=lambda row: (row["rank"] is None, row["rank"] or 0))


def _shown(snapshot: ResultSnapshot | None) -> dict | None:
    """A snapshot as the review page shows it, read from its own data: what is (or was) published."""
    if snapshot is None:
        return None
    turnout = snapshot.data.get("turnout", {})
    return {
        "snapshot": snapshot,
        "data": snapshot.data,
        # What the public will (or does) see of it under the k rule, said to the reviewer beforehand.
        "withheld": display.figures_withheld(snapshot.data),
        "pooled": display.pooled_groups(snapshot.data),
        "k": display.disclosure_of(snapshot.data).k,
        "cadres": _cadre_rows(snapshot.data),
        "turnout": {**turnout, "percent": _percent(turnout.get("rate"))},
        "honor_roll": snapshot.data.get("honor_roll", []),
        "households": display.household_rows(snapshot.data),
    }


def _counts_by_status(rows) -> Counter:
    """How many rows are in each status (one GROUP BY)."""
    return Counter(dict(rows.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")))


def _operates(user, meeting: Meeting) -> bool:
    """Whether the user may open the meeting control the breadcrumb leads to (a moderator may not)."""
    return permissions.has_capability(user, Capability.OPERATE_MEETING, meeting.village)


def _render_results(request, meeting: Meeting, *, publish_form=None, status=200):
    snapshots = list(
        ResultSnapshot.objects.of_meeting(meeting).select_related("computed_by").order_by("-version")
    )
    draft = next((snapshot for snapshot in snapshots if snapshot.status == ResultSnapshot.Status.DRAFT), None)
    live = next((snapshot for snapshot in snapshots if snapshot.is_live), None)
    recount = results_services.may_recount(meeting)
    can_manage = permissions.has_capability(request.user, Capability.MANAGE_MEETINGS, meeting.village)
    honor = _counts_by_status(HonorCandidate.objects.of_meeting(meeting))
    objections = _counts_by_status(Objection.objects.of_snapshot(live)) if live is not None else Counter()
    under_notice = live is not None and live.status == ResultSnapshot.Status.PUBLISHED
    context = {
        "meeting": meeting,
        "quorum": quorum_of(meeting),
        "reconciliation": reconciliation_of(meeting),
        "started": results_services.results_started(meeting),
        "can_manage": can_manage,
        "can_operate": can_manage or _operates(request.user, meeting),
        "can_compute": results_services.results_open(meeting),
        "recount": recount,
        "draft": _shown(draft),
        "live": _shown(live),
        "history": [snapshot for snapshot in snapshots if snapshot.status != ResultSnapshot.Status.DRAFT],
        "publish_form": publish_form
        or (PublishForm(meeting=meeting, draft=draft.pk) if draft is not None else None),
        "publish_blockers": results_services.publish_blockers(meeting) if draft is not None else [],
        "finalize_blockers": (
            results_services.finalize_blockers(live, timezone.localdate()) if under_notice else []
        ),
        "under_notice": under_notice,
        "honor_counts": {status: honor[status] for status in HonorCandidate.Status.values},
        "honor_total": sum(honor.values()),
        "objection_counts": {status: objections[status] for status in Objection.Status.values},
        # A meeting held on a venue laptop and filed here: the seal its notice board showed.
        "imported": BundleImport.objects.filter(meeting=meeting)
        .select_related("venue_key")
        .order_by("-version")
        .first(),
    }
    return render(request, "ratings/results/staff/results.html", context, status=status)


@login_required
@require_GET
def results_review(request, pk):
    """Township administrators (and, to read, moderators) of the village: the results of a meeting."""
    return _render_results(request, get_meeting_for_user_or_404(request.user, pk, Capability.MODERATE))


@login_required
@require_POST
def results_compute(request, pk):
    """Township administrators of the village: count the ballots into a draft to review (also a recount)."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.MODERATE)
    permissions.ensure(request.user, Capability.MANAGE_MEETINGS, meeting.village)
    try:
        snapshot = results_services.results_compute(meeting=meeting, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
        return _render_results(request, meeting, status=CONFLICT)
    messages.success(
        request,
        _("The results have been computed as draft version %(version)s. Review them, then publish.")
        % {"version": snapshot.version},
    )
    return redirect("ratings:staff-results", pk=meeting.pk)


@login_required
@require_POST
def results_publish(request, pk):
    """Township administrators of the village: publish the reviewed draft for the notice period."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.MODERATE)
    permissions.ensure(request.user, Capability.MANAGE_MEETINGS, meeting.village)
    form = PublishForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _render_results(request, meeting, publish_form=form, status=BAD_INPUT)
    draft = ResultSnapshot.objects.of_meeting(meeting).drafts().filter(pk=form.cleaned_data["draft"]).first()
    if draft is None:
        messages.error(
            request,
            _("This draft is no longer the one under review. Look at the results again, then publish."),
        )
        return _render_results(request, meeting, status=CONFLICT)
    try:
        snapshot = results_services.results_publish(
            snapshot=draft, by=request.user, days=form.cleaned_data["days"]
        )
    except ValidationError as error:
        show_service_error(request, error)
        return _render_results(request, meeting, publish_form=form, status=CONFLICT)
    messages.success(
        request,
        _("The results are published. Objections may be lodged until %(date)s.")
        % {"date": snapshot.notice_ends.isoformat()},
    )
    return redirect("ratings:staff-results", pk=meeting.pk)


@login_required
@require_POST
def results_finalize(request, pk):
    """Township administrators of the village: make the results final once nothing stands in the way."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.MODERATE)
    permissions.ensure(request.user, Capability.MANAGE_MEETINGS, meeting.village)
    snapshot = ResultSnapshot.objects.of_meeting(meeting).under_notice().first()
    if snapshot is None:
        messages.error(request, _("The results are not under public notice."))
        return _render_results(request, meeting, status=CONFLICT)
    try:
        results_services.results_finalize(snapshot=snapshot, by=request.user)
    except (ValidationError, IllegalTransition) as error:
        show_service_error(request, error)
        meeting.refresh_from_db()
        return _render_results(request, meeting, status=CONFLICT)
    messages.success(request, _("The results are final."))
    return redirect("ratings:staff-results", pk=meeting.pk)


# --- objections -----------------------------------------------------------------------------------


def _render_queue(request, *, bound: RulingForm | None = None, status=200):
    if not permissions.has_any_capability(request.user, Capability.MODERATE):
        raise PermissionDenied(_("This account moderates no village."))
    objections = Objection.objects.for_user(request.user, Capability.MODERATE)
    page = Paginator(objections.pending().for_queue(), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    for objection in page:
        if bound is not None and bound.objection.pk == objection.pk:
            objection.form = bound
        else:
            objection.form = RulingForm(objection=objection) if objection.may_be_ruled else None
    ruled = (
        objections.exclude(status=Objection.Status.PENDING)
        .select_related("snapshot__meeting__village", "ruled_by")
        .order_by("-ruled_at", "-pk")[:RECENT_RULINGS]
    )
    return render(
        request, "ratings/results/staff/objections.html", {"pending": page, "ruled": ruled}, status=status
    )


@login_required
@require_GET
def objection_queue(request):
    """Village moderators and township administrators: objections of their villages awaiting a ruling."""
    return _render_queue(request)


@login_required
@require_POST
def objection_rule(request, pk):
    """Village moderators and township administrators of the objection's village: rule on it (POST)."""
    objection = get_objection_for_user_or_404(request.user, pk, Capability.MODERATE)
    form = RulingForm(request.POST, objection=objection)
    if not form.is_valid():
        return _render_queue(request, bound=form, status=BAD_INPUT)
    try:
        results_services.objection_rule(
            objection=objection,
            upheld=form.upheld,
            ruling=form.cleaned_data["ruling"],
            withhold_text=form.cleaned_data["withhold_text"],
            by=request.user,
        )
    except ValidationError as error:
        show_service_error(request, error)
        return _render_queue(request, bound=form, status=CONFLICT)
    if form.upheld:
        messages.success(
            request,
            _("The objection is upheld. The township administrator can now recount or annul the meeting."),
        )
    else:
        messages.success(request, _("The objection is rejected; the ruling is published with it."))
    return redirect("ratings:staff-objections")


# --- the honor roll -------------------------------------------------------------------------------


def _render_honor(
    request, meeting: Meeting, *, nominate_form=None, bound: ReviewForm | None = None, status=200
):
    reviewing = results_services.results_open(meeting)
    candidates = list(HonorCandidate.objects.of_meeting(meeting).for_review())
    names = tally.household_label([candidate.household_id for candidate in candidates])
    for candidate in candidates:
        candidate.first_resident = names.get(candidate.household_id, "")
        if bound is not None and bound.candidate.pk == candidate.pk:
            candidate.form = bound
        else:
            candidate.form = ReviewForm(candidate=candidate) if reviewing else None
    nominating = results_services.nominations_open(meeting)
    context = {
        "meeting": meeting,
        "can_operate": _operates(request.user, meeting),
        "nominating": nominating,
        "reviewing": reviewing,
        "nominate_form": (nominate_form or NominateForm(meeting=meeting)) if nominating else None,
        "household_numbers": (
            Household.objects.filter(village=meeting.village)
            .order_by("number")
            .values_list("number", flat=True)
            if nominating
            else []
        ),
        "nominations": HonorNomination.objects.filter(meeting=meeting)
        .select_related("household", "nominated_by")
        .order_by("created_at", "pk"),
        "candidates": candidates,
        "pending": sum(candidate.status == HonorCandidate.Status.PENDING for candidate in candidates),
    }
    return render(request, "ratings/results/staff/honor.html", context, status=status)


@login_required
@require_GET
def honor_roll(request, pk):
    """Village moderators and township administrators: nominations, candidates and their review."""
    return _render_honor(request, get_meeting_for_user_or_404(request.user, pk, Capability.MODERATE))


@login_required
@require_POST
def honor_nominate(request, pk):
    """Village moderators and township administrators: the committees put a household forward (POST)."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.MODERATE)
    form = NominateForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _render_honor(request, meeting, nominate_form=form, status=BAD_INPUT)
    household = Household.objects.filter(
        village=meeting.village, number=form.cleaned_data["household"]
    ).first()
    if household is None:
        form.add_error(
            "household",
            _("No household with this number is on the roll of %(village)s.") % {"village": meeting.village},
        )
        return _render_honor(request, meeting, nominate_form=form, status=BAD_INPUT)
    try:
        results_services.honor_nominate(
            meeting=meeting, household=household, reason=form.cleaned_data["reason"], by=request.user
        )
    except ValidationError as error:
        show_service_error(request, error, form=form)
        return _render_honor(request, meeting, nominate_form=form, status=CONFLICT)
    messages.success(
        request,
        _("Household %(number)s has been put forward. Collect the nominations after the vote to review it.")
        % {"number": household.number},
    )
    return redirect("ratings:staff-honor", pk=meeting.pk)


@login_required
@require_POST
def honor_collect(request, pk):
    """Village moderators and township administrators: gather the ballots' and committees' nominations."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.MODERATE)
    try:
        count = results_services.honor_candidates_collect(meeting=meeting, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
        return _render_honor(request, meeting, status=CONFLICT)
    messages.success(
        request,
        ngettext(
            "%(count)s household is on the list to review.",
            "%(count)s households are on the list to review.",
            count,
        )
        % {"count": count},
    )
    return redirect("ratings:staff-honor", pk=meeting.pk)


@login_required
@require_POST
def honor_review(request, pk):
    """Village moderators and township administrators of the candidate's village: accept or decline."""
    candidate = get_honor_candidate_for_user_or_404(request.user, pk, Capability.MODERATE)
    meeting = candidate.meeting
    form = ReviewForm(request.POST, candidate=candidate)
    if not form.is_valid():
        return _render_honor(request, meeting, bound=form, status=BAD_INPUT)
    try:
        results_services.honor_candidate_review(
            candidate=candidate,
            accept=form.accepted,
            note=form.cleaned_data["note"],
            award=form.cleaned_data["award"],
            award_ug=form.cleaned_data["award_ug"],
            award_amount=form.cleaned_data["award_amount"],
            by=request.user,
        )
    except ValidationError as error:
        show_service_error(request, error, form=form)
        return _render_honor(request, meeting, bound=form, status=CONFLICT)
    messages.success(
        request, _("The review of household %(number)s is saved.") % {"number": candidate.household.number}
    )
    return redirect(f"{reverse('ratings:staff-honor', args=[meeting.pk])}#candidate-{candidate.pk}")
