"""The spoken ballot's audio through the ballot's two doors: the list of clips of a ballot page, and
each clip. A terminal reaches its own meeting's audio; a phone its meeting's while it holds a ballot
pass or its receipt, and before that, while the meeting takes phones' ballots, only what its start
screen says (fixed texts and the code's symbols: nothing of the village). Audio is asked for only
when the villager presses "listen": the page itself carries one address.

A clip's file is named by its digest and never changes: it is sent with a year-long cache.
"""

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


def _phone_meeting(request, pk: int) -> tuple[Meeting, bool]:
    """The phone's meeting, and whether it may hear the whole ballot: while its villager holds a ballot
    pass of it or has just cast (the receipt). Before the code, the start screen only, while voting
    on phones is open."""
    meeting = get_object_or_404(Meeting, pk=pk, spoken_ballot=True)
    ballot = BallotPass.read(request, "phone")
    if (ballot is not None and ballot.meeting == meeting.pk) or page.read_receipt(request) is not None:
        return meeting, True
    if meeting.status != Meeting.Status.VOTING_OPEN or not meeting.phones_allowed:
        raise Http404
    return meeting, False


def _manifest(meeting: Meeting, language: str, clip_url, *, whole: bool = True):
    if not playlist.speaks(meeting, language):
        raise Http404
    only = None if whole else playlist.start_texts(language)
    return page.no_store(JsonResponse({"clips": playlist.clips(meeting, language, clip_url, only)}))


def _clip(meeting: Meeting, name: str, *, whole: bool = True):
    clip = SpokenClip.objects.filter(meeting=meeting, file_name=name).playable().first()
    if clip is None or not storage().exists(name):
        raise Http404
    if not whole and clip.text not in playlist.start_texts(clip.language):
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


@require_safe
def phone_manifest(request, pk: int, language: str):
    meeting, whole = _phone_meeting(request, pk)
    return _manifest(
        meeting, language, lambda name: reverse("ratings:phone-speech-clip", args=[pk, name]), whole=whole
    )


@require_safe
def phone_clip(request, pk: int, name: str):
    meeting, whole = _phone_meeting(request, pk)
    return _clip(meeting, name, whole=whole)
