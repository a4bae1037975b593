"""The ballot on a shared terminal: welcome → code → each cadre → nominations → review → cast → receipt.

One villager after another uses the same browser, so:
- the ballot in progress lives in the server-side session only (ratings.ballot.session), never in a
  page, and the session is flushed (a new key) when the ballot is cast or abandoned;
- every response is sent with Cache-Control: no-store, so Back, reload or a new tab asks the server,
  which by then knows nothing of the previous villager;
- the language and text size are the villager's, kept with the ballot: the kiosk never sets the
  language cookie and ignores the browser's language, so every villager starts with the defaults.

Pages answer only on an armed terminal (403) while its meeting's voting is open (409). The path works
without JavaScript; static/ratings/js/kiosk.js adds the keypad, the QR scanner, the timers and the
heartbeat.

Every page served, and the page's heartbeat, tell the terminal's state (waiting, voting, idle) to the
operator's list. A ballot carries the terminal's count of clears from when it began; once the terminal
is cleared (by the operator, by the unanswered idle question, or found silent by the server), the
ballot is dropped on its next request and cannot be continued or cast (ratings.ballot.services).
"""

import json
from contextlib import suppress
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import JsonResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings.models import Meeting, WorkReport
from meetings.reports.markdown import render as render_markdown
from portal.http import show_service_error
from portal.models import CadrePost, Household, Resident
from ratings.ballot import schemes, services
from ratings.ballot.forms import CodeForm, GradesForm, NominateForm, SearchForm, StartForm
from ratings.ballot.schemes import CRITERION_MEANINGS
from ratings.ballot.session import OVERALL, SESSION_KEY, TEXT_SIZES, KioskBallot, line_key
from ratings.ballot.terminals import terminal_for
from ratings.models import Grade, Terminal

# The screen's timings are settings (KIOSK_IDLE_SECONDS, KIOSK_IDLE_GRACE_SECONDS, KIOSK_RECEIPT_SECONDS,
# KIOSK_HEARTBEAT_SECONDS), handed to the page, whose script runs the timers.
CLEARED = services.BALLOT_CLEARED
RECEIPT_COOKIE = "portal_kiosk_receipt"
RECEIPT_SALT = "ratings.kiosk.receipt"
RECEIPT_MAX_AGE = 120  # the receipt is shown once, right after casting
SEARCH_RESULTS = 12
SUMMARY_CHARS = 140


@dataclass
class Kiosk:
    """What every kiosk view works with: this terminal, its meeting, and the ballot in progress."""

    terminal: Terminal
    meeting: Meeting
    ballot: KioskBallot | None
    # The ballot in progress was dropped by this request: the terminal had been cleared since it began.
    cleared: bool = False

    @property
    def scheme(self):
        return self.meeting.scheme


def _no_store(response):
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
    response["Pragma"] = "no-cache"
    patch_vary_headers(response, ("Cookie",))
    return response


def _render(request, template: str, context: dict, *, status: int = 200, text_size: str | None = None):
    """A kiosk page in the active (the villager's) language."""
    context = {
        "text_size": text_size or TEXT_SIZES[0],
        "idle_ms": int(settings.KIOSK_IDLE_SECONDS * 1000),
        "idle_grace_ms": int(settings.KIOSK_IDLE_GRACE_SECONDS * 1000),
        "idle_grace_seconds": settings.KIOSK_IDLE_GRACE_SECONDS,
        "heartbeat_ms": int(settings.KIOSK_HEARTBEAT_SECONDS * 1000),
        **context,
    }
    kiosk = context.get("kiosk")
    if kiosk is not None and kiosk.ballot is not None:
        context.setdefault("ballot_clears", kiosk.ballot.clears)
    response = render(request, template, context, status=status)
    response["Content-Language"] = translation.get_language()
    return response


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


def kiosk_page(*, voting: bool = True, ballot: bool = False, code: bool = False):
    """Guard a kiosk view: an armed terminal, voting open, and the steps before this one done.

    The view runs in the villager's language and gets a Kiosk; its response is never cached.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            terminal = terminal_for(request)
            if terminal is None:
                if SESSION_KEY in request.session:
                    request.session.flush()
                return _no_store(
                    _problem(
                        request,
                        None,
                        _("This screen is not a voting terminal. Ask the meeting's clerk to set it up."),
                        status=403,
                        title=_("Not a voting terminal"),
                    )
                )
            kiosk = _checked_in(request, terminal)
            language = kiosk.ballot.language if kiosk.ballot else settings.LANGUAGE_CODE
            with translation.override(language):
                response = _guarded(view, request, kiosk, voting, ballot, code, args, kwargs)
            return _no_store(response)

        return wrapped

    return decorator


def _checked_in(request, terminal: Terminal) -> Kiosk:
    """The terminal reports what its screen now shows; a ballot begun before its latest clear is dropped.

    This writes on a GET too, deliberately: only the screen's own state and when (what the page's
    heartbeat says, for a browser whose script does not run), and the server's clearing of a ballot
    past KIOSK_ABANDONED_SECONDS, which no request asks for. Another site cannot make a terminal's
    browser do either: the terminal cookie is SameSite=Strict.
    """
    ballot = KioskBallot.load(request.session, terminal)
    if ballot is None:
        services.terminal_report(terminal=terminal, state=Terminal.State.WAITING, clears=None)
        return Kiosk(terminal, terminal.meeting, None)
    if services.terminal_report(terminal=terminal, state=Terminal.State.VOTING, clears=ballot.clears):
        return Kiosk(terminal, terminal.meeting, ballot)
    _flush(request)
    return Kiosk(terminal, terminal.meeting, None, cleared=True)


def _guarded(view, request, kiosk: Kiosk, voting, ballot, code, args, kwargs):
    if voting and kiosk.meeting.status != Meeting.Status.VOTING_OPEN:
        if kiosk.ballot:
            request.session.flush()
            kiosk.ballot = None
        if kiosk.meeting.status in {Meeting.Status.DRAFT, Meeting.Status.ANNOUNCED}:
            message = _("Voting has not opened yet. Please wait for the clerk to open it.")
        else:
            message = _("Voting is closed. Thank you.")
        return _problem(request, kiosk, message, status=409, title=_("Voting is not open"))
    if ballot and kiosk.ballot is None:
        if kiosk.cleared and request.method == "POST":
            # A page of the cleared ballot posted (a stale screen, Back): say so, keep nothing of it.
            return _problem(
                request,
                kiosk,
                CLEARED,
                status=409,
                title=_("The ballot was cleared"),
            )
        return redirect("ratings:kiosk")
    if code and not kiosk.ballot.code:
        return redirect("ratings:kiosk-code")
    return view(request, kiosk, *args, **kwargs)


def _flush(request) -> None:
    """Forget the villager: a new, empty session and a new CSRF secret."""
    request.session.flush()
    rotate_token(request)


# --- reading the meeting ---------------------------------------------------------------------------


def _reporting(meeting: Meeting) -> list:
    """The meeting's cadres in speaking order (one query)."""
    return list(meeting.reporting.select_related("cadre"))


def _lines(kiosk: Kiosk) -> list:
    """The lines of the ballot for each cadre: the criteria, or one overall line in quick mode."""
    if kiosk.scheme.quick_mode:
        return [None]
    return list(kiosk.scheme.criteria.all())


def _grades(kiosk: Kiosk) -> list[Grade]:
    return list(kiosk.scheme.grades.all())


def _line_view(criterion) -> dict:
    if criterion is None:
        return {"key": OVERALL, "name": schemes.criterion_name(None), "meaning": "", "field": "grade-overall"}
    meaning = CRITERION_MEANINGS.get(criterion.code) or criterion.description
    return {
        "key": line_key(criterion),
        "name": schemes.criterion_name(criterion),
        "meaning": str(meaning),
        "field": GradesForm.field_name(criterion),
    }


def _grade_view(grade: Grade) -> dict:
    return {"pk": grade.pk, "label": schemes.grade_label(grade), "tone": grade.tone}


def _posts(cadre, year: int) -> str:
    return " · ".join(
        str(post.get_post_display()) for post in CadrePost.objects.filter(cadre=cadre).held_in(year).by_rank()
    )


def _summary(meeting: Meeting, cadre) -> str:
    """The published report's opening, as plain text short enough for two lines."""
    report = WorkReport.objects.published().filter(meeting=meeting, cadre=cadre).first()
    if report is None:
        return ""
    text = ""
    for name, _label in WorkReport.SECTIONS:
        section = " ".join(strip_tags(render_markdown(getattr(report, name))).split())
        text = f"{text} {section}".strip()
        if len(text) >= SUMMARY_CHARS:
            break
    return Truncator(text).chars(SUMMARY_CHARS)


def _households(village, ids: list[int]) -> list[Household]:
    """The households, in the order given, with the names of their residents."""
    found = {
        household.pk: household
        for household in Household.objects.filter(village=village, pk__in=ids).prefetch_related(
            Prefetch("residents", queryset=Resident.objects.filter(active=True).order_by("name"))
        )
    }
    return [found[pk] for pk in ids if pk in found]


def _search(village, query: str, exclude: list[int]) -> list[Household]:
    matches = (
        Household.objects.filter(village=village)
        .filter(Q(number__icontains=query) | Q(residents__name__icontains=query, residents__active=True))
        .exclude(pk__in=exclude)
        .distinct()
        .order_by("number")
        .prefetch_related(
            Prefetch("residents", queryset=Resident.objects.filter(active=True).order_by("name"))
        )
    )
    return list(matches[:SEARCH_RESULTS])


def _resume_url(kiosk: Kiosk) -> str:
    if not kiosk.ballot.code:
        return reverse("ratings:kiosk-code")
    return reverse("ratings:kiosk-cadre", args=[1])


# --- the steps -----------------------------------------------------------------------------------


@kiosk_page()
@require_http_methods(["GET", "POST"])
def welcome(request, kiosk: Kiosk):
    """Choose the language and the text size, and begin. A GET with `language` and `text_size` only
    shows this page that way (nothing is kept); the POST begins a ballot with them."""
    if request.method == "POST":
        form = StartForm(request.POST)
        if form.is_valid():
            request.session.flush()
            ballot = KioskBallot(
                terminal=kiosk.terminal.pk,
                meeting=kiosk.meeting.pk,
                clears=kiosk.terminal.clears,
                language=form.cleaned_data["language"],
                text_size=form.cleaned_data["text_size"],
            )
            ballot.save(request.session)
            services.terminal_report(
                terminal=kiosk.terminal, state=Terminal.State.VOTING, clears=ballot.clears
            )
            return redirect("ratings:kiosk-code")
        return _welcome(request, kiosk, settings.LANGUAGE_CODE, TEXT_SIZES[0], form=form, status=400)
    if kiosk.ballot:
        return redirect(_resume_url(kiosk))
    language = request.GET.get("language")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    text_size = request.GET.get("text_size")
    if text_size not in TEXT_SIZES:
        text_size = TEXT_SIZES[0]
    return _welcome(request, kiosk, language, text_size)


def _welcome(request, kiosk, language, text_size, *, form=None, status=200):
    with translation.override(language):
        return _render(
            request,
            "ratings/ballot/kiosk/welcome.html",
            {
                "kiosk": kiosk,
                "form": form,
                "language": language,
                "languages": [
                    (code, info["name_local"], info["bidi"])
                    for code, info in (
                        (code, translation.get_language_info(code)) for code, _ in settings.LANGUAGES
                    )
                ],
                "sizes": [("normal", _("Normal text")), ("large", _("Large text"))],
                "previewing": language != settings.LANGUAGE_CODE or text_size != TEXT_SIZES[0],
            },
            status=status,
            text_size=text_size,
        )


@kiosk_page(ballot=True)
@require_http_methods(["GET", "POST"])
def code(request, kiosk: Kiosk):
    """Type or scan the one-time ballot code; it is checked now and burned only when the ballot is cast."""
    ballot = kiosk.ballot
    if ballot.code:
        return redirect("ratings:kiosk-cadre", 1)
    form = CodeForm(request.POST or None)
    status = 200
    headers = {}
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                ballot.code = services.code_check(terminal=kiosk.terminal, typed=form.cleaned_data["code"])
            except services.BallotRejected as rejected:
                show_service_error(request, rejected, form=form, field="code")
                if isinstance(rejected, services.TerminalLocked):
                    status, headers = 429, {"Retry-After": str(rejected.retry_after)}
            else:
                ballot.save(request.session)
                return redirect("ratings:kiosk-cadre", 1)
    response = _render(
        request,
        "ratings/ballot/kiosk/code.html",
        {"kiosk": kiosk, "form": form, "in_ballot": True, "keypad": "0123456789ABCDEFGHJKMNPQRSTVWXYZ"},
        status=status,
        text_size=ballot.text_size,
    )
    for name, value in headers.items():
        response[name] = value
    return response


@kiosk_page(ballot=True, code=True)
@require_http_methods(["GET", "POST"])
def cadre(request, kiosk: Kiosk, position: int):
    """One cadre: who they are, what they reported, and a grade on each line of the ballot."""
    ballot = kiosk.ballot
    reporting = _reporting(kiosk.meeting)
    if not 1 <= position <= len(reporting):
        return _problem(request, kiosk, _("There is no such page on this ballot."), status=404)
    current = reporting[position - 1].cadre
    lines, grades = _lines(kiosk), _grades(kiosk)
    from_review = request.GET.get("from") == "review"
    chosen = ballot.grades_of(current.pk)
    form = None
    status = 200
    if request.method == "POST":
        form = GradesForm(request.POST, lines=lines, grades=grades)
        if form.is_valid():
            ballot.set_grades(current.pk, form.chosen())
            ballot.save(request.session)
            if from_review:
                return redirect("ratings:kiosk-review")
            if position < len(reporting):
                return redirect("ratings:kiosk-cadre", position + 1)
            return redirect("ratings:kiosk-nominate")
        chosen = form.chosen()
        status = 400
    rows = [
        {
            **_line_view(criterion),
            "chosen": chosen.get(line_key(criterion)),
            "errors": _line_errors(form, criterion),
        }
        for criterion in lines
    ]
    return _render(
        request,
        "ratings/ballot/kiosk/cadre.html",
        {
            "kiosk": kiosk,
            "in_ballot": True,
            "cadre": current,
            "post": _posts(current, kiosk.meeting.year),
            "summary": _summary(kiosk.meeting, current),
            "position": position,
            "count": len(reporting),
            "rows": rows,
            "grades": [_grade_view(grade) for grade in grades],
            "form": form,
            "from_review": from_review,
            "previous": position - 1 if position > 1 else None,
        },
        status=status,
        text_size=ballot.text_size,
    )


def _line_errors(form, criterion) -> list[str]:
    if form is None:
        return []
    return list(form.errors.get(GradesForm.field_name(criterion), []))


@kiosk_page(ballot=True, code=True)
@require_http_methods(["GET", "POST"])
def nominate(request, kiosk: Kiosk):
    """Up to N households of the village, found by number or a resident's name; optional."""
    ballot = kiosk.ballot
    village = kiosk.meeting.village
    limit = kiosk.scheme.max_nominations
    status = 200
    errors: list[str] = []
    if request.method == "POST":
        form = NominateForm(request.POST, village=village)
        if form.is_valid():
            removed = form.cleaned_data["remove"]
            if removed is not None:
                ballot.households = [pk for pk in ballot.households if pk != removed]
            added = [household.pk for household in form.cleaned_data["household"]]
            households = list(dict.fromkeys(ballot.households + added))
            try:
                services.check_nomination_limit(kiosk.scheme, households)
            except services.BallotRejected as rejected:
                errors.append(str(rejected))
            else:
                ballot.households = households
                ballot.save(request.session)
                return redirect("ratings:kiosk-nominate")
        else:
            errors.extend(error for field_errors in form.errors.values() for error in field_errors)
        status = 400
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    results = _search(village, query, ballot.households) if query else []
    return _render(
        request,
        "ratings/ballot/kiosk/nominate.html",
        {
            "kiosk": kiosk,
            "in_ballot": True,
            "query": query,
            "results": results,
            "chosen": _households(village, ballot.households),
            "limit": limit,
            "full": len(ballot.households) >= limit,
            "errors": errors,
            "last_cadre": kiosk.meeting.reporting.count(),
        },
        status=status,
        text_size=ballot.text_size,
    )


def _reporting_ids(kiosk: Kiosk) -> list[int]:
    return list(kiosk.meeting.reporting.values_list("cadre_id", flat=True))


@kiosk_page(ballot=True, code=True)
@require_GET
def review(request, kiosk: Kiosk):
    """Every choice on one screen, each with a way back to change it, and the button that casts."""
    ballot = kiosk.ballot
    reporting = _reporting(kiosk.meeting)
    lines = _lines(kiosk)
    keys = [line_key(criterion) for criterion in lines]
    missing = ballot.first_ungraded([row.cadre_id for row in reporting], keys)
    if missing is not None:
        return redirect("ratings:kiosk-cadre", missing)
    grades = {grade.pk: _grade_view(grade) for grade in _grades(kiosk)}
    line_views = [_line_view(criterion) for criterion in lines]
    cadres = [
        {
            "position": position,
            "cadre": row.cadre,
            "answers": [
                {"line": line, "grade": grades.get(ballot.grades_of(row.cadre_id)[line["key"]])}
                for line in line_views
            ],
        }
        for position, row in enumerate(reporting, start=1)
    ]
    return _render(
        request,
        "ratings/ballot/kiosk/review.html",
        {
            "kiosk": kiosk,
            "in_ballot": True,
            "cadres": cadres,
            "chosen": _households(kiosk.meeting.village, ballot.households),
        },
        text_size=ballot.text_size,
    )


@kiosk_page(ballot=True, code=True)
@require_POST
def cast(request, kiosk: Kiosk):
    """Burn the code and write the ballot; then forget the villager before the receipt is shown."""
    ballot = kiosk.ballot
    cadre_ids = _reporting_ids(kiosk)
    keys = [line_key(criterion) for criterion in _lines(kiosk)]
    missing = ballot.first_ungraded(cadre_ids, keys)
    if missing is not None:
        return redirect("ratings:kiosk-cadre", missing)
    try:
        cast_ballot = services.ballot_cast(
            terminal=kiosk.terminal,
            code=ballot.code,
            grades=ballot.for_casting(cadre_ids, keys),
            households=ballot.households,
            clears=ballot.clears,
        )
    except services.BallotRejected as rejected:
        return _problem(request, kiosk, str(rejected), status=409, title=_("The ballot was not cast"))
    _flush(request)
    response = redirect("ratings:kiosk-receipt")
    # The only thing carried past the flush: the receipt to show once, and how to show it.
    response.set_signed_cookie(
        RECEIPT_COOKIE,
        json.dumps([cast_ballot.receipt, ballot.language, ballot.text_size]),
        salt=RECEIPT_SALT,
        max_age=RECEIPT_MAX_AGE,
        path=reverse("ratings:kiosk"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
    return response


@kiosk_page(voting=False)
@require_GET
def receipt(request, kiosk: Kiosk):
    """The receipt, shown once: reload, Back or a new tab find nothing and go to the welcome page."""
    try:
        receipt_code, language, text_size = json.loads(
            request.get_signed_cookie(RECEIPT_COOKIE, salt=RECEIPT_SALT, max_age=RECEIPT_MAX_AGE)
        )
    except (KeyError, signing.BadSignature, ValueError, TypeError):
        return redirect("ratings:kiosk")
    if language not in dict(settings.LANGUAGES) or text_size not in TEXT_SIZES:
        language, text_size = settings.LANGUAGE_CODE, TEXT_SIZES[0]
    with translation.override(language):
        response = _render(
            request,
            "ratings/ballot/kiosk/receipt.html",
            {
                "kiosk": kiosk,
                "receipt": receipt_code,
                "receipt_ms": int(settings.KIOSK_RECEIPT_SECONDS * 1000),
            },
            text_size=text_size,
        )
    response.delete_cookie(RECEIPT_COOKIE, path=reverse("ratings:kiosk"), samesite="Strict")
    return response


# Clearing can only lose a ballot in progress, never reveal or cast one. Exempt from the CSRF check so
# that a timer on a page whose token went stale (another tab reset meanwhile) still clears the screen
# rather than stopping on Django's CSRF failure page.
@csrf_exempt
@require_POST
def reset(request):
    """Clear the screen for the next villager: the ballot in progress is gone, the session is new.

    A ballot in progress is cleared on the terminal too (audited, with no actor): `reason=idle` when
    the page's "still voting?" question went unanswered, else the villager's own "stop and clear".
    """
    terminal = terminal_for(request)
    ballot = KioskBallot.load(request.session, terminal) if terminal is not None else None
    if ballot is not None:
        reason = "idle" if request.POST.get("reason") == "idle" else "voter"
        with suppress(ValidationError):  # disarmed meanwhile: the flush below is all there is to do
            services.terminal_clear(terminal=terminal, by=None, reason=reason, clears=ballot.clears)
    _flush(request)
    response = redirect("ratings:kiosk")
    response.delete_cookie(RECEIPT_COOKIE, path=reverse("ratings:kiosk"), samesite="Strict")
    return _no_store(response)


@require_POST
def heartbeat(request):
    """The page tells what its screen shows (`state`) and under which clear its ballot began (`clears`).

    Answers {"current": false} when that ballot was cleared since, or voting closed under it (the page
    then goes back to the welcome page); the ballot is dropped from the session here already. A 403
    when this browser is no longer an armed terminal. Protected by Django's CSRF check like any form
    of the kiosk; nothing of the ballot is sent or stored.
    """
    terminal = terminal_for(request)
    if terminal is None:
        return _no_store(JsonResponse({"current": False}, status=403))
    state = request.POST.get("state", "")
    clears = request.POST.get("clears", "")
    well_formed = clears == "" or (clears.isascii() and clears.isdigit() and len(clears) < 10)
    if state not in Terminal.State.values or not well_formed:
        return _no_store(JsonResponse({"error": _("Unknown terminal state.")}, status=400))
    current = services.terminal_report(terminal=terminal, state=state, clears=int(clears) if clears else None)
    if state != Terminal.State.WAITING and terminal.meeting.status != Meeting.Status.VOTING_OPEN:
        current = False  # voting closed under the ballot: the screen goes to say so
    if not current and SESSION_KEY in request.session:
        _flush(request)
    return _no_store(JsonResponse({"current": current}))
