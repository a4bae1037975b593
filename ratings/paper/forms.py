"""The paper count's forms: input validation only; the services decide."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.uploads import max_megabytes
from ratings.models import VoterGroup
from ratings.paper import services
from ratings.paper.sheets import BLANK, NOMINATIONS


class PrintForm(forms.Form):
    group = forms.ModelChoiceField(label=_("For"), queryset=VoterGroup.objects.none(), empty_label=None)
    language = forms.ChoiceField(label=_("Language of the sheets"), choices=settings.LANGUAGES)
    sheets = forms.IntegerField(
        label=_("Number of sheets"), min_value=1, max_value=services.MAX_PRINT, initial=50
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = meeting.scheme.groups.exclude(kind=VoterGroup.Kind.TOWNSHIP_PANEL)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's FileField takes one): each is cleaned as a FileField would."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data] if data else single(None, initial)
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Scans or photos of the sheets"),
        help_text=_("PDF, JPEG or PNG, several at once; a PDF may hold many pages."),
        widget=MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def clean_files(self) -> list[tuple[str, bytes]]:
        files = self.cleaned_data["files"]
        if not files:
            raise forms.ValidationError(_("Choose the scans or photos of the sheets."))
        if sum(file.size for file in files) > settings.PAPER_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(too_large())
        return [(file.name, file.read()) for file in files]


def too_large() -> str:
    return gettext("At most %(limit)s MB in one upload: send the rest in another.") % {
        "limit": max_megabytes(settings.PAPER_UPLOAD_MAX_BYTES)
    }


class IdentifyForm(forms.Form):
    sheet = forms.CharField(
        label=_("The sheet's identifier, printed under its code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "font-monospace"}
        ),
    )
    page = forms.IntegerField(label=_("Page"), min_value=1, max_value=99, initial=1)


class SheetForm(forms.Form):
    sheet = forms.CharField(
        label=_("The sheet's identifier, printed under its code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "font-monospace"}
        ),
    )


# A line keyed blank: not a grade code (codes are slugs), and not empty, which a required choice refuses.
BLANK_CHOICE = "!blank"


def _grade(choice: str) -> str:
    return BLANK if choice == BLANK_CHOICE else choice


def grade_choices(grades) -> list[tuple[str, str]]:
    return [(grade.code, label) for grade, label in grades] + [(BLANK_CHOICE, _("Blank or void"))]


def nomination_fields(form: forms.Form, count: int) -> list[str]:
    """A field per nomination box of the sheet, for the household number written in it; their names."""
    names = []
    for number in range(1, count + 1):
        name = f"nomination-{number}"
        form.fields[name] = forms.CharField(
            label=_("Box %(number)s: household number") % {"number": number}, max_length=40, required=False
        )
        names.append(name)
    return names


class KeyingForm(forms.Form):
    """One clerk's entry of one sheet: a choice per line (when the sheet was not scanned) and the
    household numbers written in the nomination boxes."""

    def __init__(self, *args, lines, grades, nominations: int, **kwargs):
        super().__init__(*args, **kwargs)
        choices = grade_choices(grades)
        self.line_fields = []
        for key, label in lines:
            name = f"line-{key}"
            self.fields[name] = forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect)
            self.line_fields.append((key, name))
        self.nomination_fields = nomination_fields(self, nominations)

    def entry(self) -> tuple[dict[str, str], list[str]]:
        lines = {key: _grade(self.cleaned_data[name]) for key, name in self.line_fields}
        numbers = [
            self.cleaned_data[name] for name in self.nomination_fields if self.cleaned_data[name].strip()
        ]
        return lines, numbers


class DecisionForm(forms.Form):
    """One person's reading of a line, or of the nomination boxes."""

    def __init__(self, *args, key: str, grades, nominations: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.nominations = key == NOMINATIONS
        if self.nominations:
            nomination_fields(self, nominations)
        else:
            self.fields["value"] = forms.ChoiceField(
                label=_("What the line says"), choices=grade_choices(grades), widget=forms.RadioSelect
            )

    def value(self):
        if self.nominations:
            return [value for name, value in self.cleaned_data.items() if value.strip()]
        return _grade(self.cleaned_data["value"])


class ClosureForm(forms.Form):
    returned = forms.IntegerField(
        label=_("Sheets counted out of the box"),
        min_value=0,
        max_value=100000,
        help_text=_("Count them by hand, in public, before they are scanned."),
    )
    spoiled = forms.IntegerField(
        label=_("Spoiled sheets handed back at the desk"),
        min_value=0,
        max_value=100000,
        initial=0,
        help_text=_("Sheets a villager spoiled and exchanged for a new one; they are not in the box."),
    )
