"""The second door: a villager's own phone, over the venue's Wi-Fi, opened by the QR code of a slip.

The slip's QR code holds this page's address with the code (…/vote/<meeting>/?code=…): the page shows
the code filled in, and the villager's tap checks it (a GET never spends anything). Then the same
one-request ballot as on a terminal (ratings.ballot.page), under a pass of the phone door, and the
receipt shown once. No account, no app: the phone is anyone's, and nothing that could tell which phone
it was is kept with the ballot (ratings.ballot.services.phone_ballot_cast).

After the cast the pass is gone and the code burned: the browser's history can bring back the
addresses, never the ballot (every page is no-store; the ballot page without a pass goes back to the
start, where the used code is refused).
The receipt page's listen button hears the receipt through a token of its own, which opens nothing
but the receipt's texts and symbols (ratings.speech.playlist.receipt_manifest_url).
"""

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings.models import Meeting
from portal.http import client_address, show_service_error
from ratings.ballot import codes, page, services
from ratings.ballot.forms import CodeForm
from ratings.ballot.passes import TEXT_SIZES, BallotPass, take_back
from ratings.speech import playlist

DOOR = "phone"


def _meeting(pk: int) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("village", "scheme"), pk=pk)


def _path(meeting: Meeting) -> str:
    return reverse("ratings:phone", args=[meeting.pk])


def _pass(request, meeting: Meeting) -> BallotPass | None:
    ballot = BallotPass.read(request, DOOR)
    return ballot if ballot is not None and ballot.meeting == meeting.pk else None


def _closed(meeting: Meeting) -> str | None:
    """Why this meeting takes no ballot from a phone now, or None."""
    if meeting.status in {Meeting.Status.DRAFT, Meeting.Status.ANNOUNCED}:
        return _("Voting has not opened yet. Please wait for the clerk to open it.")
    if meeting.status != Meeting.Status.VOTING_OPEN:
        return _("Voting is closed. Thank you.")
    if not meeting.phones_allowed:
        return _("This meeting does not take ballots from phones. Please vote at a terminal.")
    return None


def _render(request, meeting, template: str, context: dict, *, text_size: str = "", status: int = 200):
    return page.respond(
        request,
        template,
        {"meeting": meeting, "text_size": text_size or TEXT_SIZES[0], "phone": True, **context},
        status=status,
    )


def _problem(request, meeting, message: str, *, status: int, title: str = ""):
    response = _render(
        request,
        meeting,
        "ratings/ballot/phone/problem.html",
        {"title": title or _("The ballot cannot continue"), "message": message},
        status=status,
    )
    take_back(response, DOOR, _path(meeting))
    return response


def _text_size(request) -> str:
    value = request.POST.get("text_size") if request.method == "POST" else None
    return value if value in TEXT_SIZES else TEXT_SIZES[0]


def _language(request) -> str:
    """The villager's language: chosen on the start page (a link), or sent back with its form."""
    value = (request.POST if request.method == "POST" else request.GET).get("language")
    return value if value in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@require_http_methods(["GET", "POST"])
def start(request, pk: int):
    """The slip's code (from the QR code's address, or typed), the language and the text size."""
    meeting = _meeting(pk)
    language = _language(request)
    with translation.override(language):
        closed = _closed(meeting)
        if closed:
            return _problem(request, meeting, closed, status=409, title=_("Voting is not open"))
    held = _pass(request, meeting)
    # A phone holding a ballot goes back to it, unless another slip's code comes with the request (a
    # family sharing one phone): that code is offered, and checking it gives the phone a new pass.
    offered = request.POST.get("code") if request.method == "POST" else request.GET.get("code")
    another_slip = bool(offered) and held is not None and codes.normalize(offered) != held.code
    if held is not None and not another_slip:
        return redirect("ratings:phone-ballot", meeting.pk)
    status, headers, locked = 200, {}, False
    if request.method == "POST":
        form = CodeForm(request.POST)
        status = 400
        if form.is_valid():
            language = form.cleaned_data["language"]
            with translation.override(language):
                try:
                    checked = services.phone_code_check(
                        meeting=meeting, typed=form.cleaned_data["code"], address=client_address(request)
                    )
                except services.BallotRejected as rejected:
                    show_service_error(request, rejected, form=form, field="code")
                    if isinstance(rejected, services.CodesLocked):
                        status, headers = 429, {"Retry-After": str(rejected.retry_after)}
                        locked = True
                else:
                    return _begin(meeting, checked, language, form.cleaned_data["text_size"])
    else:
        form = CodeForm(initial={"code": request.GET.get("code", "")[:40]})
    with translation.override(language):
        response = _render(
            request,
            meeting,
            "ratings/ballot/phone/start.html",
            {
                "form": form,
                "language": language,
                "languages": page.languages(),
                "sizes": page.text_sizes(),
                "chosen_size": _text_size(request),
                "speech_url": playlist.manifest_url(meeting, DOOR),
                "listening": playlist.listening(request.POST if request.method == "POST" else request.GET),
                "locked": locked,
            },
            status=status,
        )
    if another_slip:
        take_back(response, DOOR, _path(meeting))  # the first villager's ballot is not this one's
    for name, value in headers.items():
        response[name] = value
    return response


def _begin(meeting: Meeting, checked: str, language: str, text_size: str):
    ballot = BallotPass(door=DOOR, meeting=meeting.pk, code=checked, language=language, text_size=text_size)
    response = redirect("ratings:phone-ballot", meeting.pk)
    ballot.give(response, _path(meeting))
    return response


def _ballot_page(request, meeting, ballot: BallotPass, form=None, errors=(), status: int = 200):
    return _render(
        request,
        meeting,
        "ratings/ballot/kiosk/ballot.html",
        {
            "base_template": "ratings/ballot/phone/base.html",
            "body": page.body(meeting, form=form),
            "errors": errors,
            "cast_url": reverse("ratings:phone-cast", args=[meeting.pk]),
            "reset_url": reverse("ratings:phone-reset", args=[meeting.pk]),
            "speech_url": playlist.manifest_url(meeting, DOOR),
        },
        text_size=ballot.text_size,
        status=status,
    )


@require_GET
def ballot(request, pk: int):
    """The whole ballot, as on a terminal."""
    meeting = _meeting(pk)
    ballot = _pass(request, meeting)
    if ballot is None or _closed(meeting):
        response = redirect("ratings:phone", meeting.pk)
        take_back(response, DOOR, _path(meeting))
        return page.no_store(response)
    with translation.override(ballot.language):
        return _ballot_page(request, meeting, ballot)


@require_POST
def cast(request, pk: int):
    """Check the whole ballot, burn the code and write it; the pass is taken back, the receipt shown once."""
    meeting = _meeting(pk)
    ballot = _pass(request, meeting)
    if ballot is None:
        return _problem(
            request,
            meeting,
            _("This ballot is no longer open on this phone. If it was not cast, start again with your code."),
            status=409,
        )
    with translation.override(ballot.language):
        closed = _closed(meeting)
        if closed:
            return _problem(request, meeting, closed, status=409, title=_("Voting is not open"))
        form = page.ballot_form(meeting, request.POST)
        if not form.is_valid():
            return _ballot_page(request, meeting, ballot, form, page.form_errors(form), status=400)
        try:
            cast_ballot = services.phone_ballot_cast(
                meeting=meeting,
                address=client_address(request),
                code=ballot.code,
                grades=form.for_casting(),
                households=form.cleaned_data["households"],
                evaluations=form.evaluations_for_casting(),
            )
        except services.BallotRejected as rejected:
            return _problem(request, meeting, str(rejected), status=409, title=_("The ballot was not cast"))
    response = redirect("ratings:phone-receipt", meeting.pk)
    take_back(response, DOOR, _path(meeting))
    page.give_receipt(response, cast_ballot.receipt, ballot, _path(meeting))
    return page.no_store(response)


@require_GET
def receipt(request, pk: int):
    """The receipt, shown once; afterwards this address goes back to the start."""
    meeting = _meeting(pk)
    shown = page.read_receipt(request)
    if shown is None:
        return page.no_store(redirect("ratings:phone", meeting.pk))
    receipt_code, language, text_size = shown
    with translation.override(language):
        response = _render(
            request,
            meeting,
            "ratings/ballot/phone/receipt.html",
            {"receipt": receipt_code, "speech_url": playlist.receipt_manifest_url(meeting)},
            text_size=text_size,
        )
    page.forget_receipt(response, _path(meeting))
    return response


@require_POST
def reset(request, pk: int):
    """Stop: the pass is taken back (the code is not burned and can be used again)."""
    meeting = _meeting(pk)
    response = redirect("ratings:phone", meeting.pk)
    take_back(response, DOOR, _path(meeting))
    page.forget_receipt(response, _path(meeting))
    return page.no_store(response)
