"""Input validation for writing and moderating work reports. The rules live in report_services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.models import WorkReport
from meetings.reports.services import MAX_SECTION_LENGTH
from portal import uploads

SECTION_HELP = {
    "duties": _("The posts you hold and what they make you responsible for."),
    "measures": _("What you did during the year, and how."),
    "achievements": _("What came of it, with figures: money, households, kilometres, dates."),
    "integrity": _("How you kept to the rules on integrity (述廉): gifts, expenses, family members."),
    "shortcomings": _("What did not go well, said plainly."),
    "plan": _("What you will do next year and how you will rectify the shortcomings."),
}


class ReportForm(forms.Form):
    """One textarea per section, in the order they are read at the meeting, written in the version's
    language (and direction: a Uyghur version is typed right to left)."""

    def __init__(self, *args, language=WorkReport.Language.CHINESE, **kwargs):
        super().__init__(*args, **kwargs)
        text_lang, text_dir = WorkReport.text_attributes(language)
        for name, label in WorkReport.SECTIONS:
            self.fields[name] = forms.CharField(
                label=label,
                help_text=SECTION_HELP[name],
                required=False,
                max_length=MAX_SECTION_LENGTH,
                widget=forms.Textarea(attrs={"rows": 6, "lang": text_lang, "dir": text_dir}),
            )
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))
        preview = Submit("preview", _("Preview"))
        preview.field_classes = "btn btn-outline-secondary"
        self.helper.add_input(preview)

    @property
    def sections(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name, _label in WorkReport.SECTIONS}


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Photo or PDF"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Interpolated here, not at import, so that it is translated into the request's language.
        self.fields["file"].help_text = gettext(
            "JPEG, PNG or WebP photos and PDF documents, up to %(limit)s MB each."
        ) % {"limit": uploads.max_megabytes()}

    def clean_file(self):
        """Refuse a file too large by its declared size, before it is read into memory."""
        file = self.cleaned_data["file"]
        uploads.check_size(file.size)
        return file


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the cadre (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should the cadre change?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what the cadre should change before returning the report.")},
    )
