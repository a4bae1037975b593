"""Routes of the spoken ballot, all named "ratings:<name>": its audio through the ballot's two doors
(under their paths, where their passes are sent) and the staff's recording page."""

from django.urls import path, re_path

from ratings.speech.views import doors, staff

CLIP = r"(?P<name>[0-9a-f]{64}\.(?:wav|webm|ogg|m4a))"
LANGUAGE = r"(?P<language>[a-z-]{2,10})"

urlpatterns = [
    re_path(rf"^kiosk/speech/{LANGUAGE}/$", doors.kiosk_manifest, name="kiosk-speech"),
    re_path(rf"^kiosk/speech/clip/{CLIP}$", doors.kiosk_clip, name="kiosk-speech-clip"),
    re_path(rf"^vote/(?P<pk>[0-9]{{1,18}})/speech/{LANGUAGE}/$", doors.phone_manifest, name="phone-speech"),
    re_path(rf"^vote/(?P<pk>[0-9]{{1,18}})/speech/clip/{CLIP}$", doors.phone_clip, name="phone-speech-clip"),
    path("staff/meetings/<id:pk>/speech/", staff.recordings, name="speech"),
    path("staff/meetings/<id:pk>/speech/record/", staff.recording_upload, name="speech-record"),
    path("staff/meetings/<id:pk>/speech/prepare/", staff.speech_prepare, name="speech-prepare"),
    path("staff/meetings/<id:pk>/speech/<id:clip>/", staff.clip_file, name="speech-clip"),
    path("staff/meetings/<id:pk>/speech/<id:clip>/approve/", staff.recording_approve, name="speech-approve"),
]
