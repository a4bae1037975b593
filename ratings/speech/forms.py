"""The clerk's recording of one text of the spoken ballot."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class RecordingForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"))
    text = forms.CharField(label=_("Text"), max_length=2000)
    recording = forms.FileField(
        label=_("Recording"),
        help_text=_(
            "A short sound file (WAV, WebM, Ogg or MP4) of a person saying the text, or record it below."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        languages = dict(settings.LANGUAGES)
        self.fields["language"].choices = [(code, languages[code]) for code in settings.SPEECH_VOICES]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("upload", _("Send the recording")))
