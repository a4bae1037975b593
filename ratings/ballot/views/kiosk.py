"""The ballot on a shared terminal: welcome → code → the ballot (one page) → cast → receipt.

From the code to the receipt the terminal asks the server four times: the code is checked (and a
ballot pass given, ratings.ballot.passes), the ballot page is sent, the ballot is cast, the receipt is
shown. The ballot is filled in in the page (ratings.ballot.page) and nothing of it is stored before
the cast. One villager after another uses the same browser, so:
- every response is sent with Cache-Control: no-store, so Back, reload or a new tab asks the server,
  which after a cast or a clear has dropped the pass and shows the welcome page;
- the language and text size are the villager's, carried by the pass: the kiosk never sets the
  language cookie and ignores the browser's language, so every villager starts with the defaults.

Pages answer only on an armed terminal (403) while its meeting's voting is open (409). The path works
without JavaScript; static/ratings/js/kiosk.js adds the keypad, the QR scanner, the timers and the
heartbeat, static/ratings/js/ballot.js one screen per cadre and the review.

Every page served, and the page's heartbeat, tell the terminal's state (waiting, voting, idle) to the
operator's list. A pass carries the terminal's count of clears from when it began; once the terminal
is cleared (by the operator, by the unanswered idle question, or found silent by the server), the
pass is dropped on its next request and the ballot cannot be cast (ratings.ballot.services).
"""

from contextlib import suppress
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings.models import Meeting
from portal.headers import allow_camera
from portal.http import show_service_error
from ratings.ballot import page, services
from ratings.ballot.forms import CodeForm
from ratings.ballot.passes import TEXT_SIZES, BallotPass, take_back
from ratings.ballot.terminals import terminal_for
from ratings.models import Terminal
from ratings.speech import playlist

# The screen's timings are settings (KIOSK_IDLE_SECONDS, KIOSK_IDLE_GRACE_SECONDS, KIOSK_RECEIPT_SECONDS,
# KIOSK_HEARTBEAT_SECONDS), handed to the page, whose script runs the timers.
CLEARED = services.BALLOT_CLEARED
DOOR = "terminal"
KEYPAD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class Kiosk:
    """What every kiosk view works with: this terminal, its meeting, and the villager's pass if any."""

    terminal: Terminal
    meeting: Meeting
    ballot: BallotPass | None
    # The pass was dropped by this request: the terminal had been cleared since it was given.
    cleared: bool = False

    @property
    def scheme(self):
        return self.meeting.scheme


def _path() -> str:
    return reverse("ratings:kiosk")


def _render(
    request,
    template: str,
    context: dict,
    *,
    status: int = 200,
    text_size: str | None = None,
    kept=(),
    fills=None,
):
    """A kiosk page in the active (the villager's) language; `kept` and `fills` as in page.respond."""
    context = {
        "text_size": text_size or TEXT_SIZES[0],
        "idle_ms": int(settings.KIOSK_IDLE_SECONDS * 1000),
        "idle_grace_ms": int(settings.KIOSK_IDLE_GRACE_SECONDS * 1000),
        "idle_grace_seconds": settings.KIOSK_IDLE_GRACE_SECONDS,
        "heartbeat_ms": int(settings.KIOSK_HEARTBEAT_SECONDS * 1000),
        **context,
    }
    kiosk = context.get("kiosk")
    fills = dict(fills or {})
    if kiosk is not None and kiosk.ballot is not None:
        context.setdefault("ballot_clears", kiosk.ballot.clears)
        if kept:
            fills["ballot_clears"] = context["ballot_clears"]
    if kept:
        kept = (DOOR, kiosk.meeting.pk, context["text_size"], *kept)
    return page.respond(request, template, context, status=status, kept=kept, fills=fills)


def _problem(request, kiosk: Kiosk | None, message: str, *, status: int, title: str = ""):
    """A clear page saying why the ballot cannot go on here, with the way to start again."""
    return _render(
        request,
        "ratings/ballot/kiosk/problem.html",
        {
            "kiosk": kiosk,
            "title": title or _("The ballot cannot continue"),
            "message": message,
            "in_ballot": bool(kiosk and kiosk.ballot),
        },
        status=status,
        text_size=kiosk.ballot.text_size if kiosk and kiosk.ballot else None,
    )


def kiosk_page(*, voting: bool = True, ballot: bool = False):
    """Guard a kiosk view: an armed terminal, voting open, and a ballot pass where one is needed.

    The view runs in the villager's language and gets a Kiosk; its response is never cached.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            terminal = terminal_for(request)
            if terminal is None:
                response = _problem(
                    request,
                    None,
                    _("This screen is not a voting terminal. Ask the meeting's clerk to set it up."),
                    status=403,
                    title=_("Not a voting terminal"),
                )
                take_back(response, DOOR, _path())
                return page.no_store(response)
            kiosk = _checked_in(request, terminal)
            language = kiosk.ballot.language if kiosk.ballot else settings.LANGUAGE_CODE
            with translation.override(language):
                response = _guarded(view, request, kiosk, voting, ballot, args, kwargs)
            if kiosk.ballot is None and BallotPass.read(request, DOOR) is not None:
                take_back(response, DOOR, _path())  # a pass of another terminal or meeting, or cleared
            return page.no_store(response)

        return wrapped

    return decorator


def _checked_in(request, terminal: Terminal) -> Kiosk:
    """The terminal reports what its screen now shows; a pass given before its latest clear is void.

    This writes on a GET too, deliberately, but only when the screen's state changes (or every half
    minute): the screen's own state and when (what the page's heartbeat says, for a browser whose
    script does not run), and the server's clearing of a ballot past KIOSK_ABANDONED_SECONDS, which no
    request asks for. Another site cannot make a terminal's browser do either: the terminal cookie is
    SameSite=Strict.
    """
    ballot = BallotPass.read(request, DOOR)
    if ballot is not None and (ballot.terminal != terminal.pk or ballot.meeting != terminal.meeting_id):
        ballot = None
    if ballot is None:
        services.terminal_report(terminal=terminal, state=Terminal.State.WAITING, clears=None)
        return Kiosk(terminal, terminal.meeting, None)
    if services.terminal_report(terminal=terminal, state=Terminal.State.VOTING, clears=ballot.clears):
        return Kiosk(terminal, terminal.meeting, ballot)
    return Kiosk(terminal, terminal.meeting, None, cleared=True)


def _guarded(view, request, kiosk: Kiosk, voting, ballot, args, kwargs):
    if voting and kiosk.meeting.status != Meeting.Status.VOTING_OPEN:
        kiosk.ballot = None
        if kiosk.meeting.status in {Meeting.Status.DRAFT, Meeting.Status.ANNOUNCED}:
            message = _("Voting has not opened yet. Please wait for the clerk to open it.")
        else:
            message = _("Voting is closed. Thank you.")
        return _problem(request, kiosk, message, status=409, title=_("Voting is not open"))
    if ballot and kiosk.ballot is None:
        if kiosk.cleared and request.method == "POST":
            # The page of a cleared ballot posted (a stale screen, Back): say so, keep nothing of it.
            return _problem(request, kiosk, CLEARED, status=409, title=_("The ballot was cleared"))
        return redirect("ratings:kiosk")
    return view(request, kiosk, *args, **kwargs)


def _choice(data, name: str, allowed, default: str) -> str:
    """The villager's choice of language or text size from a query or a form, if it is one we offer."""
    value = data.get(name)
    return value if value in allowed else default


# --- the steps -----------------------------------------------------------------------------------


@kiosk_page()
@require_GET
def welcome(request, kiosk: Kiosk):
    """Choose the language and the text size, and begin. `language` and `text_size` in the query only
    show this page that way; nothing is kept until the code is checked."""
    if kiosk.ballot:
        return redirect("ratings:kiosk-ballot")
    language = _choice(request.GET, "language", dict(settings.LANGUAGES), settings.LANGUAGE_CODE)
    text_size = _choice(request.GET, "text_size", TEXT_SIZES, TEXT_SIZES[0])
    with translation.override(language):
        return _render(
            request,
            "ratings/ballot/kiosk/welcome.html",
            {
                "kiosk": kiosk,
                "language": language,
                "languages": page.languages(),
                "sizes": page.text_sizes(),
                "previewing": language != settings.LANGUAGE_CODE or text_size != TEXT_SIZES[0],
                "speech_url": playlist.manifest_url(kiosk.meeting, DOOR),
                "listening": playlist.listening(request.GET),
            },
            text_size=text_size,
        )


@allow_camera
@kiosk_page()
@require_http_methods(["GET", "POST"])
def code(request, kiosk: Kiosk):
    """Type or scan the one-time ballot code; it is checked now and burned only when the ballot is cast.

    A good code gives the browser its ballot pass and goes on to the ballot."""
    if kiosk.ballot:
        return redirect("ratings:kiosk-ballot")
    form = CodeForm(request.POST if request.method == "POST" else None)
    chosen = request.POST if request.method == "POST" else request.GET
    language = _choice(chosen, "language", dict(settings.LANGUAGES), settings.LANGUAGE_CODE)
    text_size = _choice(chosen, "text_size", TEXT_SIZES, TEXT_SIZES[0])
    listening = playlist.listening(chosen)
    status, headers, locked = 200, {}, False
    if request.method == "POST":
        status = 400
        if form.is_valid():
            language, text_size = form.cleaned_data["language"], form.cleaned_data["text_size"]
            with translation.override(language):
                try:
                    checked = services.code_check(terminal=kiosk.terminal, typed=form.cleaned_data["code"])
                except services.BallotRejected as rejected:
                    show_service_error(request, rejected, form=form, field="code")
                    if isinstance(rejected, services.CodesLocked):
                        status, headers = 429, {"Retry-After": str(rejected.retry_after)}
                        locked = True
                else:
                    return _begin(kiosk, checked, language, text_size)
    with translation.override(language):
        response = _render(
            request,
            "ratings/ballot/kiosk/code.html",
            {
                "kiosk": kiosk,
                "form": form,
                "keypad": KEYPAD,
                "language": language,
                "chosen_size": text_size,
                "code_url": reverse("ratings:kiosk-code"),
                "speech_url": playlist.manifest_url(kiosk.meeting, DOOR),
                "listening": listening,
                "locked": locked,
            },
            status=status,
            text_size=text_size,
            kept=() if form.is_bound else ("code", listening),
        )
    for name, value in headers.items():
        response[name] = value
    return response


def _begin(kiosk: Kiosk, checked: str, language: str, text_size: str):
    ballot = BallotPass(
        door=DOOR,
        meeting=kiosk.meeting.pk,
        terminal=kiosk.terminal.pk,
        clears=kiosk.terminal.clears,
        code=checked,
        language=language,
        text_size=text_size,
    )
    response = redirect("ratings:kiosk-ballot")
    ballot.give(response, _path())
    return response


@kiosk_page(ballot=True)
@require_GET
def ballot(request, kiosk: Kiosk):
    """The whole ballot: a screen per cadre, the households, the review; sent once, to `cast`."""
    return _ballot_page(request, kiosk)


def _ballot_page(request, kiosk: Kiosk, form=None, errors=(), status: int = 200):
    return _render(
        request,
        "ratings/ballot/kiosk/ballot.html",
        {
            "kiosk": kiosk,
            "in_ballot": True,
            "base_template": "kiosk.html",
            "body": page.body(kiosk.meeting, form=form),
            "errors": errors,
            "cast_url": reverse("ratings:kiosk-cast"),
            "speech_url": playlist.manifest_url(kiosk.meeting, DOOR),
        },
        status=status,
        text_size=kiosk.ballot.text_size,
        kept=() if form is not None else ("ballot", kiosk.meeting.status),
    )


@kiosk_page(ballot=True)
@require_POST
def cast(request, kiosk: Kiosk):
    """Check the whole ballot, burn the code and write it; then forget the villager before the receipt."""
    form = page.ballot_form(kiosk.meeting, request.POST)
    if not form.is_valid():
        return _ballot_page(request, kiosk, form, page.form_errors(form), status=400)
    try:
        cast_ballot = services.ballot_cast(
            terminal=kiosk.terminal,
            code=kiosk.ballot.code,
            grades=form.for_casting(),
            households=form.cleaned_data["households"],
            evaluations=form.evaluations_for_casting(),
            clears=kiosk.ballot.clears,
        )
    except services.BallotRejected as rejected:
        response = _problem(request, kiosk, str(rejected), status=409, title=_("The ballot was not cast"))
        take_back(response, DOOR, _path())
        return response
    rotate_token(request)
    response = redirect("ratings:kiosk-receipt")
    take_back(response, DOOR, _path())
    page.give_receipt(response, cast_ballot.receipt, kiosk.ballot, _path())
    return response


@kiosk_page(voting=False)
@require_GET
def receipt(request, kiosk: Kiosk):
    """The receipt, shown once: reload, Back or a new tab find nothing and go to the welcome page."""
    shown = page.read_receipt(request)
    if shown is None:
        return redirect("ratings:kiosk")
    receipt_code, language, text_size = shown
    with translation.override(language):
        response = _render(
            request,
            "ratings/ballot/kiosk/receipt.html",
            {
                "kiosk": kiosk,
                "receipt_ms": int(settings.KIOSK_RECEIPT_SECONDS * 1000),
                "receipt_seconds": settings.KIOSK_RECEIPT_SECONDS,
                "speech_url": playlist.manifest_url(kiosk.meeting, DOOR),
            },
            text_size=text_size,
            kept=("receipt",),
            fills={"receipt": receipt_code},
        )
    page.forget_receipt(response, _path())
    return response


# Clearing can only lose a ballot in progress, never reveal or cast one. Exempt from the CSRF check so
# that a timer on a page whose token went stale (another tab reset meanwhile) still clears the screen
# rather than stopping on Django's CSRF failure page.
@csrf_exempt
@require_POST
def reset(request):
    """Clear the screen for the next villager: the ballot pass is taken back, the CSRF secret is new.

    A ballot in progress is cleared on the terminal too (audited, with no actor): `reason=idle` when
    the page's "still voting?" question went unanswered, else the villager's own "stop and clear".
    """
    terminal = terminal_for(request)
    ballot = BallotPass.read(request, DOOR) if terminal is not None else None
    if ballot is not None and ballot.terminal == terminal.pk:
        reason = "idle" if request.POST.get("reason") == "idle" else "voter"
        with suppress(ValidationError):  # disarmed meanwhile: dropping the pass is all there is to do
            services.terminal_clear(terminal=terminal, by=None, reason=reason, clears=ballot.clears)
    rotate_token(request)
    response = redirect("ratings:kiosk")
    take_back(response, DOOR, _path())
    page.forget_receipt(response, _path())
    return page.no_store(response)


@require_POST
def heartbeat(request):
    """The page tells what its screen shows (`state`) and under which clear its ballot began (`clears`).

    Answers {"current": false} when that ballot was cleared since, or voting closed under it (the page
    then goes back to the welcome page, which drops the pass). A 403 when this browser is no longer an
    armed terminal. Protected by Django's CSRF check like any form of the kiosk; nothing of the ballot
    is sent or stored.
    """
    terminal = terminal_for(request)
    if terminal is None:
        return page.no_store(JsonResponse({"current": False}, status=403))
    state = request.POST.get("state", "")
    clears = request.POST.get("clears", "")
    well_formed = clears == "" or (clears.isascii() and clears.isdigit() and len(clears) < 10)
    if state not in Terminal.State.values or not well_formed:
        return page.no_store(JsonResponse({"error": _("Unknown terminal state.")}, status=400))
    current = services.terminal_report(terminal=terminal, state=state, clears=int(clears) if clears else None)
    if state != Terminal.State.WAITING and terminal.meeting.status != Meeting.Status.VOTING_OPEN:
        current = False  # voting closed under the ballot: the screen goes to say so
    response = JsonResponse({"current": current})
    if not current:
        take_back(response, DOOR, _path())
    return page.no_store(response)
