"""Meetings: the public lists and page, and the staff's meeting control.

Public pages are open to all; a draft exists only for its village's operators and township
administrators. Staff pages scope every object to the villages where the user holds the capability, so
that another village's meeting is a 404; the services check the capability again.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from meetings import services
from meetings.access import get_meeting_for_user_or_404
from meetings.filters import MeetingFilter, StaffMeetingFilter, TownshipMeetingFilter
from meetings.forms import AnnulForm, HouseholdSignInForm, IdSignInForm, MeetingForm, SignInForm
from meetings.models import Attendance, Commitment, IllegalTransition, Meeting, WorkReport
from meetings.questions.forms import QuestionForm
from meetings.quorum import quorum_of, shortfall_warning
from meetings.reports.versions import shown_per_cadre
from meetings.tables import StaffMeetingTable, TownshipMeetingTable, VillageMeetingTable
from portal import permissions
from portal.http import show_service_error
from portal.models import CadrePost, Household, Resident, Township, Village
from portal.permissions import Capability
from portal.tables import PagedRequestConfig
from ratings.ballot.control import control_panel

PER_PAGE = 25
SIGN_IN_RESULTS = 30


def _list_page(request, template: str, filterset, table_class, context: dict):
    """A filtered, sortable, paged table of meetings."""
    table = table_class(filterset.qs)
    PagedRequestConfig(request, per_page=PER_PAGE).configure(table)
    return render(request, template, {**context, "filter": filterset, "table": table})


# Public pages --------------------------------------------------------------------------------------


@require_safe
def village_meetings(request, code):
    """Public: one village's meetings, filtered by year, status and kind, sortable and paged."""
    village = get_object_or_404(Village.objects.select_related("township"), code=code)
    meetings = Meeting.objects.in_village(village).public()
    filterset = MeetingFilter(request.GET or None, queryset=meetings)
    return _list_page(
        request, "meetings/meeting/village_list.html", filterset, VillageMeetingTable, {"village": village}
    )


@require_safe
def township_meetings(request, code):
    """Public: the meetings of every village of a township, filtered also by village."""
    township = get_object_or_404(Township, code=code)
    meetings = Meeting.objects.in_township(township).public().select_related("village")
    filterset = TownshipMeetingFilter(
        request.GET or None, queryset=meetings, villages=Village.objects.in_township(township)
    )
    template = "meetings/meeting/township_list.html"
    return _list_page(request, template, filterset, TownshipMeetingTable, {"township": township})


@require_safe
def meeting_detail(request, pk):
    """Public once announced; a draft only for its village's operators and township administrators."""
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).with_place().select_related("scheme"), pk=pk
    )
    reporting = meeting.reporting.select_related("cadre").prefetch_related(
        CadrePost.prefetch_held_in(meeting.year, "cadre__posts")
    )
    # Each cadre's report in the version the page's language reads (Uyghur or Chinese).
    reports = shown_per_cadre(WorkReport.objects.published().filter(meeting=meeting))
    speakers = [
        {
            "cadre": row.cadre,
            "posts": row.cadre.posts_held,
            "report": reports.get(row.cadre_id),
        }
        for row in reporting
    ]
    questions = meeting.questions.shown_publicly().select_related("cadre", "commitment")
    previous = Meeting.objects.previous_of(meeting).first()
    context = {
        "meeting": meeting,
        "speakers": speakers,
        # The roll's size is frozen when voting opens: from then on the quorum means something.
        "quorum": quorum_of(meeting) if meeting.roll_size is not None else None,
        "questions": questions,
        "question_form": QuestionForm(meeting=meeting),
        "previous_meeting": previous,
        "previous_commitments": (
            Commitment.objects.from_meeting(previous).select_related("owner") if previous else []
        ),
    }
    return render(request, "meetings/meeting/detail.html", context)


# Staff: the meeting control ------------------------------------------------------------------------


@login_required
def staff_meeting_list(request):
    """Meeting operators and township administrators: the meetings of their villages, drafts too."""
    villages = permissions.villages_with(request.user, Capability.OPERATE_MEETING)
    if not villages.exists():
        raise PermissionDenied(_("You do not run meetings in any village."))
    meetings = Meeting.objects.for_user(request.user, Capability.OPERATE_MEETING).select_related("village")
    filterset = StaffMeetingFilter(
        request.GET or None, queryset=meetings, villages=villages.select_related("township")
    )
    creatable = permissions.villages_with(request.user, Capability.MANAGE_MEETINGS).select_related("township")
    return _list_page(
        request,
        "meetings/meeting/staff_list.html",
        filterset,
        StaffMeetingTable,
        {"creatable_villages": creatable.order_by("township__code", "code")},
    )


@login_required
def staff_meeting(request, pk):
    """Meeting operators and township administrators of the village: status, actions, sign-in."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    return _render_control(request, meeting)


def _render_control(request, meeting: Meeting, *, status: int = 200):
    query = request.GET.get("q", "").strip()
    quorum = quorum_of(meeting)
    actions = [action for action in TRANSITIONS.values() if meeting.can_move_to(action.status)]
    signing_in = meeting.status in services.ATTENDANCE_OPEN
    attending = (
        Attendance.objects.filter(meeting=meeting)
        .select_related("resident__household")
        .order_by("resident__household__number", "resident__name")
    )
    results, found = [], []
    if signing_in and query:
        found = list(meeting.voters().search(query).select_related("household")[:SIGN_IN_RESULTS])
        present = set(
            Attendance.objects.filter(meeting=meeting, resident__in=found).values_list(
                "resident_id", flat=True
            )
        )
        results = [{"resident": resident, "present": resident.pk in present} for resident in found]
    ballot = control_panel(meeting, found)
    context = {
        "meeting": meeting,
        "reporting": meeting.reporting.select_related("cadre"),
        "quorum": quorum,
        # Before the operator opens or closes the vote below the quorum, not only on its confirmation.
        "shortfall": next(filter(None, (action.shortfall(quorum) for action in actions)), None),
        "id_form": IdSignInForm(),
        "attending": attending,
        "signing_in": signing_in,
        "query": query,
        "results": results,
        "result_limit": SIGN_IN_RESULTS,
        "actions": actions,
        "can_manage": permissions.has_capability(request.user, Capability.MANAGE_MEETINGS, meeting.village),
        "can_moderate": permissions.has_capability(request.user, Capability.MODERATE, meeting.village),
        # Ballot codes, the poll book and the terminals' link: the ratings app's part of the page.
        **ballot,
        # A sign-in can be undone until a code or a paper sheet is handed out (the poll book is read
        # once, for its list below too).
        "holding_ballots": {entry.resident_id for entry in ballot["poll_book"]},
    }
    return render(request, "meetings/meeting/staff_control.html", context, status=status)


@login_required
@require_POST
def staff_sign_in(request, pk):
    """Meeting operators and township administrators of the village: sign one resident in (POST)."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    form = SignInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a resident to sign in."))
        return _render_control(request, meeting, status=400)
    resident = get_object_or_404(
        Resident.objects.in_village(meeting.village), pk=form.cleaned_data["resident"]
    )
    refused = _sign_in(request, meeting, resident)
    # Back to the search the operator was working through, for the next person in the queue.
    return refused or _back_to_sign_in(meeting, request.POST.get("q", "").strip())


def _sign_in(request, meeting: Meeting, resident: Resident):
    """Sign one resident in and say so; the control page with the refusal (400) when the service refuses."""
    try:
        created = services.attendance_record(meeting=meeting, resident=resident, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
        return _render_control(request, meeting, status=400)
    if created:
        messages.success(request, _("%(name)s is signed in.") % {"name": resident.name})
    else:
        messages.info(request, _("%(name)s was already signed in.") % {"name": resident.name})
    return None


def _back_to_sign_in(meeting: Meeting, query: str = ""):
    """Back to the control page's sign-in, and to the search the operator was working through."""
    url = reverse("meetings:staff-meeting", args=[meeting.pk])
    return redirect(f"{url}?{urlencode({'q': query})}#sign-in" if query else f"{url}#sign-in")


@login_required
@require_POST
def staff_sign_in_id(request, pk):
    """Meeting operators and township administrators of the village: sign in by the ID card number,
    typed or scanned (POST). Matched by the roll's keyed hash within the village; never shown back."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    form = IdSignInForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["id_number"]))
        return _render_control(request, meeting, status=400)
    roll = Resident.objects.in_village(meeting.village)
    resident = roll.with_id_number(form.cleaned_data["id_number"]).first()
    if resident is None:
        messages.error(request, _("No one on the village's roll has this ID card number."))
        return _render_control(request, meeting, status=400)
    # No fragment: a browser skips autofocus on a page opened at one, and the number field must have
    # the focus (and scroll into view) for the next card the reader scans.
    return _sign_in(request, meeting, resident) or redirect("meetings:staff-meeting", pk=meeting.pk)


@login_required
def staff_sign_in_household(request, pk, household):
    """Meeting operators and township administrators of the village: sign in the members of a
    household at once, all ticked, the clerk unticking anyone absent (GET the list, POST the ticks).

    Only the household's members who may take part are listed (at a representatives' assembly, its
    representatives); another village's household is a 404.
    """
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    household = get_object_or_404(Household.objects.filter(village=meeting.village), pk=household)
    members = meeting.voters().filter(household=household).select_related("household")
    present = members.filter(attendance__meeting=meeting)
    signing_in = meeting.status in services.ATTENDANCE_OPEN
    form = HouseholdSignInForm(
        # Bound on every POST: with no one ticked (and no search) the POST is empty, yet an answer.
        request.POST if request.method == "POST" else None,
        members=members.exclude(pk__in=present.values("pk")),
        initial={"q": request.GET.get("q", "")[:100]},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if not signing_in:
            messages.error(
                request, _("Residents are signed in while the meeting is announced or voting is open.")
            )
            status = 409
        elif form.is_valid():
            try:
                signed = services.attendance_record_many(
                    meeting=meeting, residents=list(form.cleaned_data["residents"]), by=request.user
                )
            except ValidationError as error:
                show_service_error(request, error, form=form)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s person of household %(household)s is signed in.",
                        "%(count)s people of household %(household)s are signed in.",
                        len(signed),
                    )
                    % {"count": len(signed), "household": household.number},
                )
                return _back_to_sign_in(meeting, form.cleaned_data["q"].strip())
    context = {
        "meeting": meeting,
        "household": household,
        "form": form,
        "present": present,
        "signing_in": signing_in,
    }
    return render(request, "meetings/meeting/staff_household.html", context, status=status)


@login_required
@require_POST
def staff_sign_in_undo(request, pk):
    """Meeting operators and township administrators of the village: undo a mistaken sign-in (POST),
    refused once the villager has received a ballot code or a paper ballot."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    form = SignInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a resident."))
        return _render_control(request, meeting, status=400)
    resident = get_object_or_404(
        Resident.objects.in_village(meeting.village), pk=form.cleaned_data["resident"]
    )
    try:
        services.attendance_undo(meeting=meeting, resident=resident, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
        return _render_control(request, meeting, status=400)
    messages.success(request, _("%(name)s's sign-in has been undone.") % {"name": resident.name})
    return _back_to_sign_in(meeting)


@dataclass(frozen=True)
class Transition:
    """A move an operator makes by hand, confirmed on its own page and made with a POST."""

    slug: str
    status: str
    service: object
    title: str
    explanation: str
    button: str
    done: str
    # The button that goes on below the quorum once warned; empty for a move that does not ask.
    anyway: str = ""

    @property
    def url_name(self) -> str:
        return f"meetings:staff-{self.slug}"

    @property
    def asks_quorum(self) -> bool:
        return bool(self.anyway)

    def shortfall(self, quorum) -> str | None:
        """The warning this move gives below the quorum, None if it gives none."""
        if not self.asks_quorum:
            return None
        return shortfall_warning(quorum, closing=self.status == Meeting.Status.VOTING_CLOSED)


TRANSITIONS = {
    "announce": Transition(
        "announce",
        Meeting.Status.ANNOUNCED,
        services.meeting_announce,
        gettext_lazy("Announce the meeting"),
        gettext_lazy("The meeting and its published reports become public, and residents can be signed in."),
        gettext_lazy("Yes, announce it"),
        gettext_lazy("The meeting has been announced."),
    ),
    "voting-open": Transition(
        "voting-open",
        Meeting.Status.VOTING_OPEN,
        services.voting_open,
        gettext_lazy("Open the vote"),
        gettext_lazy(
            "The rating scheme, the reporting cadres and the kind of meeting freeze, and the roll is "
            "counted for the quorum. This cannot be undone."
        ),
        gettext_lazy("Yes, open the vote"),
        gettext_lazy("Voting is open."),
        gettext_lazy("Open the vote below the quorum"),
    ),
    "voting-close": Transition(
        "voting-close",
        Meeting.Status.VOTING_CLOSED,
        services.voting_close,
        gettext_lazy("Close the vote"),
        gettext_lazy("No more ballots are accepted and no one more can be signed in. This cannot be undone."),
        gettext_lazy("Yes, close the vote"),
        gettext_lazy("Voting is closed."),
        gettext_lazy("Close the vote below the quorum"),
    ),
}


# The field of the confirmation's second button: the operator was told the shortfall and goes on.
BELOW_QUORUM_CONFIRMED = "confirmed"


@login_required
def staff_transition(request, pk, action):
    """Meeting operators and township administrators of the village: confirm (GET), then move (POST).

    Opening and closing the vote below the quorum ask once more: the confirmation names the shortfall,
    and a POST without the second button's field moves nothing and shows that warning again.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Http404
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    status = 200
    if request.method == "POST":
        extra = {}
        if transition.asks_quorum:
            extra["warn_below_quorum"] = request.POST.get("below_quorum") != BELOW_QUORUM_CONFIRMED
        try:
            transition.service(meeting=meeting, by=request.user, **extra)
        except services.QuorumShortfall:
            pass  # the page below shows the warning and the button that goes on
        except (IllegalTransition, ValidationError) as error:
            show_service_error(request, error)
            status = 409 if isinstance(error, IllegalTransition) else 400
        else:
            messages.success(request, transition.done)
            return redirect("meetings:staff-meeting", pk=meeting.pk)
        meeting.refresh_from_db()
    elif not meeting.can_move_to(transition.status):
        messages.error(
            request,
            _("A meeting cannot go from “%(current)s” to “%(next)s”.")
            % {"current": meeting.get_status_display(), "next": transition.status.label},
        )
        status = 409
    allowed = meeting.can_move_to(transition.status)
    quorum = quorum_of(meeting) if allowed and transition.asks_quorum else None
    context = {
        "meeting": meeting,
        "transition": transition,
        "allowed": allowed,
        "quorum": quorum,
        "shortfall": transition.shortfall(quorum) if quorum else None,
        "below_quorum_confirmed": BELOW_QUORUM_CONFIRMED,
    }
    return render(request, "meetings/meeting/staff_confirm.html", context, status=status)


@login_required
def staff_meeting_create(request, code):
    """Township administrators of the village: set up a draft meeting."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_MEETINGS, code)
    form = MeetingForm(request.POST or None, village=village)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(village=village, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_error(request, error, form=form)
        else:
            messages.success(request, _("The meeting has been created as a draft."))
            return redirect("meetings:staff-meeting", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting/staff_form.html",
        {"village": village, "form": form, "meeting": None},
        status=400 if form.is_bound else 200,
    )


@login_required
def staff_meeting_edit(request, pk):
    """Township administrators of the village: change a meeting; scheme and cadres until voting opens."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.MANAGE_MEETINGS)
    if meeting.is_closed:
        messages.error(request, _("A final or annulled meeting can no longer be changed."))
        return redirect("meetings:staff-meeting", pk=meeting.pk)
    form = MeetingForm(request.POST or None, village=meeting.village, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        # Disabled fields (the year always, the ballot's meaning once frozen) are not passed on.
        changes = {name: value for name, value in form.cleaned_data.items() if not form.fields[name].disabled}
        try:
            services.meeting_update(meeting=meeting, by=request.user, **changes)
        except ValidationError as error:
            show_service_error(request, error, form=form)
        else:
            messages.success(request, _("The meeting has been saved."))
            return redirect("meetings:staff-meeting", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting/staff_form.html",
        {"village": meeting.village, "form": form, "meeting": meeting},
        status=400 if form.is_bound else 200,
    )


@login_required
def staff_meeting_annul(request, pk):
    """Township administrators of the village: annul the meeting with a reason (POST)."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.MANAGE_MEETINGS)
    form = AnnulForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.meeting_annul(meeting=meeting, reason=form.cleaned_data["reason"], by=request.user)
            except IllegalTransition as error:
                show_service_error(request, error)
                status = 409
            except ValidationError as error:
                show_service_error(request, error, form=form)
            else:
                messages.success(request, _("The meeting has been annulled."))
                return redirect("meetings:staff-meeting", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting/staff_annul.html",
        {"meeting": meeting, "form": form, "allowed": meeting.can_move_to(Meeting.Status.ANNULLED)},
        status=status,
    )
