"""Routes of the spoken ballot, all named "ratings:<name>": its audio through the ballot's two doors
(under their paths, where their passes are sent) and the staff's recording page."""

from django.urls import path, register_converter

from ratings.speech.views import doors, staff


class ClipNameConverter:
    """A clip's file name: the SHA-256 of what it says and how, and its sound format."""

    regex = r"[0-9a-f]{64}\.(?:wav|webm|ogg|m4a)"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ClipNameConverter, "clip")

urlpatterns = [
    # A language the ballot does not speak is a 404 in the view.
    path("kiosk/speech/<slug:language>/", doors.kiosk_manifest, name="kiosk-speech"),
    path("kiosk/speech/clip/<clip:name>", doors.kiosk_clip, name="kiosk-speech-clip"),
    path("vote/<id:pk>/speech/<slug:language>/", doors.phone_manifest, name="phone-speech"),
    path("vote/<id:pk>/speech/clip/<clip:name>", doors.phone_clip, name="phone-speech-clip"),
    path("staff/meetings/<id:pk>/speech/", staff.recordings, name="speech"),
    path("staff/meetings/<id:pk>/speech/record/", staff.recording_upload, name="speech-record"),
    path("staff/meetings/<id:pk>/speech/prepare/", staff.speech_prepare, name="speech-prepare"),
    path("staff/meetings/<id:pk>/speech/<id:clip>/", staff.clip_file, name="speech-clip"),
    path("staff/meetings/<id:pk>/speech/<id:clip>/approve/", staff.recording_approve, name="speech-approve"),
]
