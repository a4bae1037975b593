"""Input validation of the ballot's pages: the operator's (codes, slips, terminals), the kiosk's and the
public receipt check. The ballot's rules themselves live in ratings.ballot.services.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from portal.models import Household
from ratings.ballot import codes, services
from ratings.ballot.passes import TEXT_SIZES, line_key
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


class CodeForm(forms.Form):
    """The code typed or scanned, and the language and text size chosen before it (defaults if absent)."""

    code = forms.CharField(
        max_length=40,
        error_messages={"required": _("Type the code printed on your slip.")},
    )
    language = forms.ChoiceField(choices=settings.LANGUAGES, required=False)
    text_size = forms.ChoiceField(choices=[(size, size) for size in TEXT_SIZES], required=False)

    def clean_language(self):
        return self.cleaned_data["language"] or settings.LANGUAGE_CODE

    def clean_text_size(self):
        return self.cleaned_data["text_size"] or TEXT_SIZES[0]


MAX_NUMBER = 20  # a household number typed by hand; longer is not a number on any roll


class BallotForm(forms.Form):
    """The whole ballot, sent once: a grade id in `grade-<cadre id>-<line key>` for every cadre and line
    (the line key is a criterion id, or "overall" in quick mode); the households nominated as ids in
    `household` (picked in the page's search) or as roll numbers typed in `household_number` (the form
    without JavaScript). The rules of a ballot are checked again by the service that casts it."""

    def __init__(self, *args, cadre_ids: list[int], lines: list, grades: list, village, limit: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.cadre_ids, self.lines, self.village, self.limit = cadre_ids, lines, village, limit
        choices = [(grade.pk, grade.pk) for grade in grades]
        for cadre_id in cadre_ids:
            for criterion in lines:
                self.fields[self.field_name(cadre_id, criterion)] = forms.TypedChoiceField(
                    choices=choices,
                    coerce=int,
                    error_messages={
                        "required": _("Choose one answer on this line, or “Don't know”."),
                        "invalid_choice": _("This answer is not on the ballot."),
                    },
                )
        self.fields["household"] = forms.ModelMultipleChoiceField(
            queryset=Household.objects.filter(village=village),
            required=False,
            error_messages={
                "invalid_choice": _("Only households of this village can be nominated."),
                "invalid_pk_value": _("Only households of this village can be nominated."),
            },
        )

    @staticmethod
    def field_name(cadre_id: int, criterion) -> str:
        return f"grade-{cadre_id}-{line_key(criterion)}"

    def clean(self):
        cleaned = super().clean()
        households = [household.pk for household in cleaned.get("household") or []]
        numbers = [number.strip() for number in self.data.getlist("household_number") if number.strip()]
        if numbers:
            if any(len(number) > MAX_NUMBER for number in numbers):
                raise forms.ValidationError(_("A household number is too long; check it."))
            found = dict(
                Household.objects.filter(village=self.village, number__in=numbers).values_list("number", "pk")
            )
            unknown = [number for number in numbers if number not in found]
            if unknown:
                raise forms.ValidationError(
                    _("No household of the village has the number %(numbers)s.")
                    % {"numbers": ", ".join(unknown)}
                )
            households += [found[number] for number in numbers]
        households = list(dict.fromkeys(households))
        if len(households) > self.limit:
            raise forms.ValidationError(
                ngettext(
                    "You can nominate at most %(count)s household.",
                    "You can nominate at most %(count)s households.",
                    self.limit,
                )
                % {"count": self.limit}
            )
        cleaned["households"] = households
        return cleaned

    def chosen(self) -> dict[int, dict[str, int]]:
        """Cadre id → line key → grade id, for the lines answered validly: shown again after an error."""
        cleaned = getattr(self, "cleaned_data", {})
        chosen: dict[int, dict[str, int]] = {}
        for cadre_id in self.cadre_ids:
            for criterion in self.lines:
                name = self.field_name(cadre_id, criterion)
                if name in cleaned:
                    chosen.setdefault(cadre_id, {})[line_key(criterion)] = cleaned[name]
        return chosen

    def missing(self) -> list[int]:
        """The cadres (ids) with a line left unanswered or answered wrongly."""
        return [
            cadre_id
            for cadre_id in self.cadre_ids
            if any(self.field_name(cadre_id, criterion) in self.errors for criterion in self.lines)
        ]

    def for_casting(self) -> dict[tuple[int, int | None], int]:
        """The grades as ratings.ballot.services takes them; the form must be valid."""
        return {
            (cadre_id, None if criterion is None else criterion.pk): self.cleaned_data[
                self.field_name(cadre_id, criterion)
            ]
            for cadre_id in self.cadre_ids
            for criterion in self.lines
        }


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
