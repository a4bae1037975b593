"""The staff's page of a meeting's spoken ballot: hear every text in both languages, record one in the
browser (a clerk, OPERATE_MEETING), approve a recording (a moderator, MODERATE), make the voices
before voting opens to hear the names. Another village's meeting is a 404; a refused input a 400.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal import permissions
from portal.http import show_service_error
from portal.permissions import Capability
from ratings.access import get_speech_meeting_or_404, get_spoken_clip_for_user_or_404
from ratings.models import SpokenClip
from ratings.speech import engine, services
from ratings.speech.forms import RecordingForm

BAD_INPUT = 400


def _language(request) -> str:
    language = request.GET.get("language")
    return language if language in settings.SPEECH_VOICES else next(iter(settings.SPEECH_VOICES))


def _page(request, meeting, form, *, status: int = 200):
    language = _language(request)
    clips = SpokenClip.objects.of(meeting, language).voice()
    return render(
        request,
        "ratings/speech/recordings.html",
        {
            "meeting": meeting,
            "form": form,
            "language": language,
            "languages": [(code, dict(settings.LANGUAGES)[code]) for code in settings.SPEECH_VOICES],
            "clips": sorted(clips.values(), key=lambda clip: clip.pk),
            "pending": SpokenClip.objects.filter(meeting=meeting).awaiting_approval().order_by("pk"),
            "records": permissions.has_capability(request.user, Capability.OPERATE_MEETING, meeting.village),
            "approves": permissions.has_capability(request.user, Capability.MODERATE, meeting.village),
            "engine_missing": not engine.available(),
        },
        status=status,
    )


@login_required
@require_safe
def recordings(request, pk: int):
    meeting = get_speech_meeting_or_404(request.user, pk)
    return _page(request, meeting, RecordingForm(initial={"language": _language(request)}))


@login_required
@require_http_methods(["POST"])
def recording_upload(request, pk: int):
    meeting = get_speech_meeting_or_404(request.user, pk)
    permissions.ensure(request.user, Capability.OPERATE_MEETING, meeting.village)
    form = RecordingForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.clip_record(
                meeting=meeting,
                language=form.cleaned_data["language"],
                text=form.cleaned_data["text"],
                content=form.cleaned_data["recording"].read(settings.SPEECH_RECORDING_MAX_BYTES + 1),
                by=request.user,
            )
        except ValidationError as error:
            show_service_error(request, error, form=form, field="recording")
        else:
            messages.success(
                request, _("The recording was saved. It is played once a moderator approves it.")
            )
            return redirect(
                f"{reverse('ratings:speech', args=[meeting.pk])}?language={form.cleaned_data['language']}"
            )
    return _page(request, meeting, form, status=BAD_INPUT)


@login_required
@require_POST
def recording_approve(request, pk: int, clip: int):
    meeting = get_speech_meeting_or_404(request.user, pk)
    spoken = get_spoken_clip_for_user_or_404(request.user, clip, Capability.MODERATE)
    if spoken.meeting_id != meeting.pk:
        raise Http404
    try:
        services.clip_approve(clip=spoken, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
    else:
        messages.success(request, _("The recording is approved: the ballot now plays it."))
    return redirect(f"{reverse('ratings:speech', args=[meeting.pk])}?language={spoken.language}")


@login_required
@require_POST
def speech_prepare(request, pk: int):
    meeting = get_speech_meeting_or_404(request.user, pk)
    permissions.ensure(request.user, Capability.OPERATE_MEETING, meeting.village)
    made = services.speech_prepare(meeting=meeting, by=request.user)
    messages.info(request, _("Voices made: %(count)s.") % {"count": made})
    return redirect("ratings:speech", meeting.pk)


@login_required
@require_safe
def clip_file(request, pk: int, clip: int):
    """Any clip of the meeting, recordings awaiting approval included, for the staff to hear."""
    meeting = get_speech_meeting_or_404(request.user, pk)
    spoken = SpokenClip.objects.filter(meeting=meeting, pk=clip).first()
    if spoken is None or not services.storage().exists(spoken.file_name):
        raise Http404
    return FileResponse(services.storage().open(spoken.file_name), content_type=spoken.content_type)
