"""The spoken ballot's audio through the ballot's two doors: the list of clips of a ballot page, and
each clip. A terminal reaches its own meeting's audio; a phone its meeting's while it holds a ballot
pass; before that, while the meeting takes phones' ballots, only what its start screen says (fixed
texts, the code's refusals, the languages' names and the code's symbols: nothing of the village); and
after the cast, with the receipt page's short-lived token, only the receipt's texts and symbols
(ratings.speech.playlist.Hearing). Audio is asked for only
when the villager presses "listen": the page itself carries one address.

A clip's file is named by its digest and never changes: it is sent with a year-long cache.
"""

from urllib.parse import urlencode

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_safe

from meetings.models import Meeting
from ratings.ballot import page
from ratings.ballot.passes import BallotPass
from ratings.ballot.terminals import terminal_for
from ratings.models import SpokenClip
from ratings.speech import playlist
from ratings.speech.services import storage

CLIP_CACHE = "private, max-age=31536000, immutable"


def _terminal_meeting(request) -> Meeting:
    terminal = terminal_for(request)
    if terminal is None or not terminal.meeting.spoken_ballot:
        raise Http404
    return terminal.meeting


def _phone_meeting(request, pk: int) -> tuple[Meeting, playlist.Hearing]:
    """The phone's meeting, and what of its ballot the phone may hear: all of it while its villager
    holds a ballot pass of it; else the start screen while voting on phones is open, and the receipt
    with the token of the receipt page (the cast took the pass back; voting may have closed since)."""
    meeting = get_object_or_404(Meeting, pk=pk, spoken_ballot=True)
    ballot = BallotPass.read(request, "phone")
    if ballot is not None and ballot.meeting == meeting.pk:
        return meeting, playlist.WHOLE
    hearing = playlist.Hearing(
        start=meeting.status == Meeting.Status.VOTING_OPEN and meeting.phones_allowed,
        receipt=playlist.receipt_token_opens(request.GET.get("receipt", ""), meeting),
    )
    if not (hearing.start or hearing.receipt):
        raise Http404
    return meeting, hearing


def _manifest(meeting: Meeting, language: str, clip_url, hearing: playlist.Hearing = playlist.WHOLE):
    if not playlist.speaks(meeting, language):
        raise Http404
    return page.no_store(JsonResponse({"clips": playlist.clips(meeting, language, clip_url, hearing)}))


def _clip(meeting: Meeting, name: str, hearing: playlist.Hearing = playlist.WHOLE):
    clip = SpokenClip.objects.filter(meeting=meeting, file_name=name).playable().first()
    if clip is None or not storage().exists(name):
        raise Http404
    allowed = hearing.texts(clip.language)
    if allowed is not None and clip.text not in allowed:
        raise Http404
    response = FileResponse(storage().open(name), content_type=clip.content_type)
    response["Cache-Control"] = CLIP_CACHE
    return response


@require_safe
def kiosk_manifest(request, language: str):
    meeting = _terminal_meeting(request)
    return _manifest(meeting, language, lambda name: reverse("ratings:kiosk-speech-clip", args=[name]))


@require_safe
def kiosk_clip(request, name: str):
    return _clip(_terminal_meeting(request), name)


def _phone_clip_url(request, pk: int, hearing: playlist.Hearing):
    """A clip's address for a phone: with the receipt's token, where that is what lets it hear."""
    query = f"?{urlencode({'receipt': request.GET['receipt']})}" if hearing.receipt else ""
    return lambda name: reverse("ratings:phone-speech-clip", args=[pk, name]) + query


@require_safe
def phone_manifest(request, pk: int, language: str):
    meeting, hearing = _phone_meeting(request, pk)
    return _manifest(meeting, language, _phone_clip_url(request, pk, hearing), hearing)


@require_safe
def phone_clip(request, pk: int, name: str):
    meeting, hearing = _phone_meeting(request, pk)
    return _clip(meeting, name, hearing)
