"""The operator's side of the ballot: handing out codes, printing slips, voiding codes, terminals.

Operators and township administrators of the meeting's village; any other meeting is a 404, and the
services check the capability again. Every change is a POST. A code exists in clear only in the
response that hands it out: those pages are sent with Cache-Control: no-store and never shown again.
"""

from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from meetings.access import get_meeting_for_user_or_404
from meetings.models import Meeting
from portal.http import show_service_error
from portal.models import Resident
from portal.permissions import Capability
from ratings.access import get_terminal_for_user_or_404
from ratings.ballot import codes, services, venue
from ratings.ballot.forms import ArmForm, BatchForm, ResidentForm, VoidForm
from ratings.ballot.terminals import TERMINAL_COOKIE, terminal_for
from ratings.models import BallotCode, CodeBatch, Terminal

SLIPS_PER_PAGE = 8  # 95 × 70 mm, two across and four down an A4 page (static/ratings/css/slips.css)
TERMINAL_COOKIE_AGE = 24 * 3600  # one meeting day; the operator arms the terminals again next time
# Every slip speaks both languages of the village, whatever the operator's language is.
SLIP_LANGUAGES = (("zh-hans", "ltr"), ("ug", "rtl"))
SLIP_INSTRUCTION = gettext_lazy("Type or scan this code on the voting terminal. It works only once.")
SLIP_PHONE_INSTRUCTION = gettext_lazy(
    "Or scan the QR code with your phone's camera, on the venue's Wi-Fi, and vote on your phone. It works "
    "only once."
)


# --- slips ----------------------------------------------------------------------------------------


def qr_svg(code: str) -> str:
    """The code as a QR symbol, inline SVG sized by the stylesheet. Safe: made from our alphabet only."""
    symbol = segno.make_qr(code, error="m")
    return mark_safe(symbol.svg_inline(scale=1, border=4, omitsize=True, svgclass="slip-qr-svg"))  # noqa: S308


@dataclass(frozen=True)
class Slip:
    """A code to print. Its QR code opens the phone ballot at `base` when phones can reach the server
    (ratings.ballot.venue), else holds the bare code; the terminals' scanners read either."""

    code: str
    meeting: Meeting
    base: str = ""

    @property
    def human(self) -> str:
        return codes.display(self.code)

    @property
    def qr(self) -> str:
        return qr_svg(venue.phone_address(self.base, self.meeting, self.code) if self.base else self.code)


def _slip_texts(meeting: Meeting, base: str) -> list[dict]:
    """The meeting's name and the instructions in each language of the slip."""
    texts = []
    for language, direction in SLIP_LANGUAGES:
        with translation.override(language):
            texts.append(
                {
                    "lang": language,
                    "dir": direction,
                    "title": str(meeting),
                    "instruction": str(SLIP_INSTRUCTION),
                    "phone": str(SLIP_PHONE_INSTRUCTION) if base and meeting.phones_allowed else "",
                }
            )
    return texts


def _shown_once(response):
    """The page holds codes in clear: no browser or proxy may keep it."""
    add_never_cache_headers(response)
    return response


# --- handing out codes from the control page -------------------------------------------------------


def _back_to_sign_in(meeting: Meeting, query: str):
    url = reverse("meetings:staff-meeting", args=[meeting.pk])
    return redirect(f"{url}?{urlencode({'q': query})}#sign-in" if query else f"{url}#sign-in")


def _resident_from(request, meeting: Meeting) -> tuple[Resident | None, str]:
    form = ResidentForm(request.POST)
    if not form.is_valid():
        return None, ""
    resident = get_object_or_404(
        Resident.objects.in_village(meeting.village), pk=form.cleaned_data["resident"]
    )
    return resident, form.cleaned_data["q"].strip()


def _sign_in(request, pk, service, done):
    """The sign-in desk: the resident the operator chose, the service, then `done(meeting, resident,
    query, what the service returned)`; a refusal goes back to the control page with its message."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    resident, query = _resident_from(request, meeting)
    if resident is None:
        messages.error(request, _("Choose a resident."))
        return _back_to_sign_in(meeting, "")
    try:
        handed = service(meeting=meeting, resident=resident, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
        return _back_to_sign_in(meeting, query)
    return done(meeting, resident, query, handed)


def _slip_page(request, meeting, resident, query, code, *, reissued: bool):
    """The code just handed out, on a slip to print: shown once."""
    context = {
        "meeting": meeting,
        "resident": resident,
        "slip": Slip(code, meeting, venue.phone_base(request)),
        "slip_texts": _slip_texts(meeting, venue.phone_base(request)),
        "reissued": reissued,
        "back": _back_to_sign_in(meeting, query)["Location"],
    }
    return _shown_once(render(request, "ratings/ballot/operator/slip.html", context))


@login_required
@require_POST
def code_issue(request, pk):
    """Sign a resident in and hand them a new code, shown once on a slip to print."""
    return _sign_in(request, pk, services.code_issue, partial(_slip_page, request, reissued=False))


@login_required
@require_POST
def code_reissue(request, pk):
    """A lost code: the old one is voided, a new one is shown once."""
    return _sign_in(request, pk, services.code_reissue, partial(_slip_page, request, reissued=True))


@login_required
@require_POST
def poll_book_record(request, pk):
    """A pre-printed code was handed to a resident: the poll book records who, never which code."""

    def recorded(meeting, resident, query, _created):
        messages.success(
            request, _("%(name)s is signed in and has received a pre-printed code.") % {"name": resident.name}
        )
        return _back_to_sign_in(meeting, query)

    return _sign_in(request, pk, services.poll_book_record, recorded)


@login_required
@require_POST
def paper_issue(request, pk):
    """Sign a resident in and hand them a paper ballot instead of a code: the poll book says a sheet,
    never which one."""

    def handed(meeting, resident, query, group):
        messages.success(
            request,
            _("%(name)s is signed in: hand them a paper ballot from the stack for %(group)s.")
            % {"name": resident.name, "group": group},
        )
        return _back_to_sign_in(meeting, query)

    return _sign_in(request, pk, services.paper_issue, handed)


def _assisted(request, pk, *, assisted: bool):
    def recorded(meeting, resident, query, changed):
        if assisted:
            done = _("%(name)s is counted as assisted by a helper: never which ballot.")
        else:
            done = _("%(name)s is no longer counted as assisted.")
        messages.success(request, done % {"name": resident.name})
        return _back_to_sign_in(meeting, query)

    return _sign_in(request, pk, partial(services.poll_book_assisted, assisted=assisted), recorded)


@login_required
@require_POST
def poll_book_assisted(request, pk):
    """A helper of the villager's choice marks their ballot (代写): the poll book counts it."""
    return _assisted(request, pk, assisted=True)


@login_required
@require_POST
def poll_book_assisted_undo(request, pk):
    """Undo a villager counted as assisted by mistake, while voting is open."""
    return _assisted(request, pk, assisted=False)


# --- the codes page: printing a batch, voiding --------------------------------------------------------


def _render_codes(request, meeting, *, batch_form=None, void_form=None, status=200):
    context = {
        "meeting": meeting,
        "issuing": services.codes_issuing(meeting),
        "code_counts": BallotCode.objects.of_meeting(meeting).counts_by_status(),
        "batches": CodeBatch.objects.filter(meeting=meeting).select_related("printed_by"),
        "room": services.batch_room(meeting),
        "batch_form": batch_form or BatchForm(),
        "void_form": void_form or VoidForm(),
    }
    return render(request, "ratings/ballot/operator/codes.html", context, status=status)


@login_required
@require_GET
def codes_page(request, pk):
    """How many codes there are, and the forms to print a batch and to void a code."""
    return _render_codes(request, get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING))


@login_required
@require_POST
def codes_batch(request, pk):
    """Print a batch of codes on A4 sheets of slips; shown once."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    form = BatchForm(request.POST)
    if not form.is_valid():
        return _render_codes(request, meeting, batch_form=form, status=400)
    try:
        issued = services.codes_issue_batch(
            meeting=meeting,
            count=form.cleaned_data["count"],
            purpose=form.cleaned_data["purpose"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    except ValidationError as error:
        show_service_error(request, error)
        return _render_codes(request, meeting, batch_form=form, status=400)
    base = venue.phone_base(request)
    slips = [Slip(code, meeting, base) for code in issued]
    context = {
        "meeting": meeting,
        "pages": [slips[start : start + SLIPS_PER_PAGE] for start in range(0, len(slips), SLIPS_PER_PAGE)],
        "count": len(slips),
        "panel": form.cleaned_data["purpose"] == CodeBatch.Purpose.PANEL,
        "slip_texts": _slip_texts(meeting, base),
        "phones_unreachable": meeting.phones_allowed and not base,
    }
    return _shown_once(render(request, "ratings/ballot/operator/sheet.html", context))


@login_required
@require_POST
def code_void(request, pk):
    """Void an unused code that is typed in, e.g. one found on the floor."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.code_void(meeting=meeting, code=form.cleaned_data["code"], by=request.user)
        except ValidationError as error:
            show_service_error(request, error, form=form, field="code")
        else:
            messages.success(request, _("The code has been voided: it can no longer be used."))
            return redirect("ratings:codes", pk=meeting.pk)
    return _render_codes(request, meeting, void_form=form, status=400)


# --- terminals ------------------------------------------------------------------------------------------


def _screen(terminal: Terminal, now) -> dict:
    """What an armed terminal's screen shows and for how long (whole seconds): its state, never a choice."""
    since = terminal.state_since or terminal.armed_at
    return {
        "id": terminal.pk,
        "state": terminal.state,
        "label": str(terminal.get_state_display()),
        "seconds": max(0, int((now - since).total_seconds())),
    }


def _elapsed(seconds: int) -> str:
    """A duration as the terminal list shows it, h:mm:ss or m:ss, which reads the same in every language."""
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _render_terminals(request, meeting, *, form=None, status=200):
    now = timezone.now()
    terminals = list(Terminal.objects.of_meeting(meeting).for_list())
    for terminal in terminals:
        terminal.screen = _screen(terminal, now) if terminal.is_armed else None
        if terminal.screen:
            terminal.screen["elapsed"] = _elapsed(terminal.screen["seconds"])
    context = {
        "meeting": meeting,
        "terminals": terminals,
        "poll_ms": settings.KIOSK_HEARTBEAT_SECONDS * 1000,
        "this_browser": terminal_for(request),
        "form": form or ArmForm(),
        "can_arm": not meeting.is_closed,
    }
    return render(request, "ratings/ballot/operator/terminals.html", context, status=status)


@login_required
@require_GET
def terminals_page(request, pk):
    """The meeting's terminals, armed and disarmed, and the form to arm this browser."""
    return _render_terminals(
        request, get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    )


@login_required
@require_POST
def terminal_arm(request, pk):
    """Arm this browser for the meeting's ballot, and sign the operator out of it.

    The terminal is handed to one villager after another: it must not carry the operator's session,
    or a villager could reach the staff pages. The cookie holds a random token the database knows
    only as a hash.
    """
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    form = ArmForm(request.POST)
    if not form.is_valid():
        return _render_terminals(request, meeting, form=form, status=400)
    previous = terminal_for(request)
    try:
        terminal, token = services.terminal_arm(
            meeting=meeting, label=form.cleaned_data["label"], by=request.user
        )
    except ValidationError as error:
        show_service_error(request, error)
        return _render_terminals(request, meeting, form=form, status=400)
    if previous is not None:
        # The browser was another terminal: that one can no longer be reached, so it is disarmed.
        # Another village's terminal is left to its own operators, who see it in their list.
        with suppress(PermissionDenied):
            services.terminal_disarm(terminal=previous, by=request.user)
    logout(request)
    messages.success(request, _("This browser is now the terminal “%(label)s”.") % {"label": terminal.label})
    response = redirect("ratings:kiosk")
    response.set_cookie(
        TERMINAL_COOKIE,
        token,
        max_age=TERMINAL_COOKIE_AGE,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
    return response


@login_required
@require_POST
def terminal_disarm(request, pk, terminal):
    """Disarm one of the meeting's terminals: its browser shows the ballot no more."""
    terminal = get_terminal_for_user_or_404(request.user, terminal, Capability.OPERATE_MEETING, meeting_pk=pk)
    was_this_browser = terminal_for(request) == terminal
    services.terminal_disarm(terminal=terminal, by=request.user)
    messages.success(request, _("The terminal “%(label)s” has been disarmed.") % {"label": terminal.label})
    response = redirect("ratings:terminals", pk=pk)
    if was_this_browser:
        response.delete_cookie(TERMINAL_COOKIE, path="/", samesite="Strict")
    return response


@login_required
@require_GET
def terminal_screens(request, pk):
    """The armed terminals' screens as JSON, for the terminal list's script to refresh itself."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    now = timezone.now()
    screens = [_screen(terminal, now) for terminal in Terminal.objects.of_meeting(meeting).armed()]
    response = JsonResponse({"terminals": screens})
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def terminal_clear(request, pk, terminal):
    """Clear the ballot in progress on one of the meeting's terminals: its screen goes back to welcome."""
    terminal = get_terminal_for_user_or_404(request.user, terminal, Capability.OPERATE_MEETING, meeting_pk=pk)
    try:
        services.terminal_clear(terminal=terminal, by=request.user, reason="operator")
    except ValidationError as error:
        show_service_error(request, error)
    else:
        messages.success(
            request,
            _("The terminal “%(label)s” has been cleared: its screen goes back to the welcome page.")
            % {"label": terminal.label},
        )
    return redirect("ratings:terminals", pk=pk)
