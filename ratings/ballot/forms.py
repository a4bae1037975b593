"""Input validation of the ballot's pages: the operator's (codes, slips, terminals), the kiosk's and the
public receipt check. The ballot's rules themselves live in ratings.ballot.services.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from portal.models import Household
from ratings.ballot import codes, services
from ratings.ballot.session import TEXT_SIZES, line_key
from ratings.models import CodeBatch


def _helper(button: str, label, **submit) -> FormHelper:
    """A form with one button, posting to the page it is on unless `form_action` is set."""
    helper = FormHelper()
    helper.add_input(Submit(button, label, **submit))
    return helper


class ResidentForm(forms.Form):
    """One resident of the roll; the view looks them up in the meeting's village only.

    `q` carries the operator's search back to the control page, for the next person in the queue.
    """

    resident = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    q = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)


class BatchForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("What the codes are for"),
        choices=CodeBatch.Purpose.choices,
        initial=CodeBatch.Purpose.SIGN_IN,
        widget=forms.RadioSelect,
        help_text=_(
            "Slips for the sign-in desk are handed out in random order, each written in the poll book; "
            "the township panel's count in its own group."
        ),
    )
    count = forms.IntegerField(
        label=_("Number of codes"),
        min_value=1,
        max_value=services.MAX_BATCH,
        initial=50,
        help_text=_("Ten slips to an A4 page. No more than the voters on the roll, or the panel's seats."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("Optional, e.g. “second desk at the school”. Kept with the batch and in the audit log."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("print", _("Print the codes"))


class VoidForm(forms.Form):
    code = forms.CharField(
        label=_("Ballot code"),
        max_length=20,
        help_text=_("As printed on the slip; hyphens, spaces and lower case are fine."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("void", _("Void the code"), css_class="btn-danger")

    def clean_code(self):
        code = codes.normalize(self.cleaned_data["code"])
        if not codes.is_well_formed(code):
            raise forms.ValidationError(_("This is not a valid ballot code; check for a typing error."))
        return code


class ArmForm(forms.Form):
    label = forms.CharField(
        label=_("Name of this terminal"),
        max_length=50,
        required=False,
        help_text=_("So that you can tell the terminals apart, e.g. “Tablet by the door”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("arm", _("Arm this browser as a terminal"))


class StartForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    text_size = forms.ChoiceField(choices=[(size, size) for size in TEXT_SIZES])


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=40,
        error_messages={"required": _("Type the code printed on your slip.")},
    )


class GradesForm(forms.Form):
    """One grade per line of the ballot for one cadre: a field `grade-<criterion id>` per criterion, or
    `grade-overall` in quick mode, each a grade id of the meeting's scale."""

    def __init__(self, *args, lines, grades, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(grade.pk, grade.pk) for grade in grades]
        for criterion in lines:
            self.fields[self.field_name(criterion)] = forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                error_messages={
                    "required": _("Choose one answer on this line, or “Don't know”."),
                    "invalid_choice": _("This answer is not on the ballot."),
                },
            )
        self.lines = lines

    @staticmethod
    def field_name(criterion) -> str:
        return f"grade-{line_key(criterion)}"

    def chosen(self) -> dict[str, int]:
        """Line key → grade id, for the lines answered validly (all of them once the form is valid)."""
        cleaned = getattr(self, "cleaned_data", {})
        return {
            line_key(criterion): cleaned[self.field_name(criterion)]
            for criterion in self.lines
            if self.field_name(criterion) in cleaned
        }


class SearchForm(forms.Form):
    q = forms.CharField(max_length=50, required=False, strip=True)


class NominateForm(forms.Form):
    """Households to add to the nominations, or one to take off; only households of the village."""

    household = forms.ModelMultipleChoiceField(
        queryset=Household.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Only households of this village can be nominated.")},
    )
    remove = forms.IntegerField(required=False)

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.filter(village=village)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("household") and cleaned.get("remove") is None and not self.errors:
            raise forms.ValidationError(_("Choose a household."))
        return cleaned


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, meeting):
        return gettext("%(village)s, %(township)s — %(year)s") % {
            "village": meeting.village.name,
            "township": meeting.village.township.name,
            "year": meeting.year,
        }


class ReceiptCheckForm(forms.Form):
    meeting = MeetingChoiceField(
        label=_("Meeting"),
        queryset=Meeting.objects.none(),
        empty_label=_("Choose the village and the year"),
    )
    receipt = forms.CharField(
        label=_("Receipt"),
        max_length=20,
        help_text=_("The 8 letters and digits shown on the screen after you voted."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.helper = _helper("check", _("Check the receipt"))
        self.helper.form_action = reverse("ratings:receipt-check")

    def clean_receipt(self) -> str:
        """Canonical form, forgiving as on the terminal (lower case, O for 0, I and L for 1, hyphens)."""
        receipt = codes.normalize(self.cleaned_data["receipt"])
        if not codes.is_receipt(receipt):
            raise forms.ValidationError(
                _("A receipt is %(count)s letters and digits. Check it and type it again.")
                % {"count": codes.RECEIPT_SYMBOLS}
            )
        return receipt
