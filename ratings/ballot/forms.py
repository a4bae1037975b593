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
from ratings.ballot.passes import TEXT_SIZES
from ratings.ballot.spec import BallotSpec
from ratings.models import BallotEvaluation, CodeBatch


def _helper(button: str, label, *, form_tag: bool = True, **submit) -> FormHelper:
    """A form with one button, posting to the page it is on unless `form_action` is set.

    Without `form_tag` the page writes the `<form>` itself (its action and token): crispy then
    renders the fields and the button only, so that no form ends up inside another.
    """
    helper = FormHelper()
    helper.form_tag = form_tag
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
        help_text=_("Eight slips to an A4 page. No more than the voters on the roll, or the panel's seats."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("Optional, e.g. “second desk at the school”. Kept with the batch and in the audit log."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("print", _("Print the codes"), form_tag=False)


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
        self.helper = _helper("void", _("Void the code"), form_tag=False, css_class="btn-danger")

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
        self.helper = _helper("arm", _("Arm this browser as a terminal"), form_tag=False)


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
MAX_HOUSEHOLD_FIELDS = 50  # more household fields than any scheme's limit: junk, refused at once


def _id(value) -> int | None:
    """A row id as a form sends it (a short string of digits), or None."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


class BallotForm(forms.Form):
    """The whole ballot, sent once: a grade id in `grade-<cadre id>-<line key>` for every cadre and line
    (ratings.ballot.spec: a criterion id, or "overall" in quick mode); an answer in
    `evaluation-<proposal id>` (agree, disagree, abstain) for every household's evaluation on the
    meeting's agenda; the households nominated as ids
    in `household` (picked in the page's search) or as roll numbers typed in `household_number` (the
    form without JavaScript). Read straight from the data against the meeting's BallotSpec: a whole
    assembly sends it at once. The rules of a ballot are checked again by the service that casts it."""

    def __init__(self, *args, spec: BallotSpec, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        self._chosen: dict[int, dict[str, int]] = {}
        self._missing: list[int] = []
        self._answers: dict[int, str] = {}
        self._unanswered: list[int] = []

    def clean(self):
        cleaned = super().clean()
        spec = self.spec
        for cadre_id in spec.cadre_ids:
            for key in spec.line_keys:
                grade = _id(self.data.get(f"grade-{cadre_id}-{key}"))
                if grade in spec.grade_ids:
                    self._chosen.setdefault(cadre_id, {})[key] = grade
            if len(self._chosen.get(cadre_id, {})) != len(spec.line_keys):
                self._missing.append(cadre_id)
        if self._missing:
            self.add_error(
                None,
                _("Please answer every line for: %(names)s. If you do not know, choose “Don't know”.")
                % {"names": " · ".join(spec.cadre_name(cadre_id) for cadre_id in self._missing)},
            )
        for proposal_id in spec.proposal_ids:
            answer = self.data.get(f"evaluation-{proposal_id}")
            if answer in BallotEvaluation.Answer.values:
                self._answers[proposal_id] = answer
            else:
                self._unanswered.append(proposal_id)
        if self._unanswered:
            self.add_error(
                None,
                _("Please answer every line for: %(names)s. If you cannot decide, choose “Abstain”.")
                % {"names": " · ".join(spec.proposal_head(pk) for pk in self._unanswered)},
            )
        try:
            cleaned["households"] = self._households()
        except forms.ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def _households(self) -> list[int]:
        picked = self.data.getlist("household")
        numbers = [number.strip() for number in self.data.getlist("household_number") if number.strip()]
        if len(picked) + len(numbers) > MAX_HOUSEHOLD_FIELDS:
            raise forms.ValidationError(_("The ballot is not filled in correctly. Please start again."))
        ids = [_id(value) for value in picked]
        households = Household.objects.filter(village_id=self.spec.village)
        if ids and (None in ids or households.filter(pk__in=ids).count() != len(set(ids))):
            raise forms.ValidationError(_("Only households of this village can be nominated."))
        if numbers:
            if any(len(number) > MAX_NUMBER for number in numbers):
                raise forms.ValidationError(_("A household number is too long; check it."))
            if not all(number.isprintable() for number in numbers):
                raise forms.ValidationError(_("A household number holds a character no roll has."))
            found = dict(households.filter(number__in=numbers).values_list("number", "pk"))
            unknown = [number for number in numbers if number not in found]
            if unknown:
                raise forms.ValidationError(
                    _("No household of the village has the number %(numbers)s.")
                    % {"numbers": ", ".join(unknown)}
                )
            ids += [found[number] for number in numbers]
        chosen = list(dict.fromkeys(ids))
        limit = self.spec.max_nominations
        if len(chosen) > limit:
            raise forms.ValidationError(
                ngettext(
                    "You can nominate at most %(count)s household.",
                    "You can nominate at most %(count)s households.",
                    limit,
                )
                % {"count": limit}
            )
        return chosen

    def chosen(self) -> dict[int, dict[str, int]]:
        """Cadre id → line key → grade id, for the lines answered validly: shown again after an error."""
        return self._chosen

    def missing(self) -> list[int]:
        """The cadres (ids) with a line left unanswered or answered with a grade not on the scale."""
        return self._missing

    def answers(self) -> dict[int, str]:
        """Proposal id → answer, for the households' evaluations answered validly."""
        return self._answers

    def unanswered(self) -> list[int]:
        """The households' evaluations (proposal ids) left unanswered or answered with no known answer."""
        return self._unanswered

    def evaluations_for_casting(self) -> dict[int, str]:
        """The answers as ratings.ballot.services takes them; the form must be valid."""
        return {proposal_id: self._answers[proposal_id] for proposal_id in self.spec.proposal_ids}

    def for_casting(self) -> dict[tuple[int, int | None], int]:
        """The grades as ratings.ballot.services takes them; the form must be valid."""
        return {
            (cadre_id, criterion): self._chosen[cadre_id][key]
            for cadre_id in self.spec.cadre_ids
            for criterion, key in zip(self.spec.criterion_ids, self.spec.line_keys, strict=True)
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
