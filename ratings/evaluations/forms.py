"""Input of the households' evaluation pages: the village's proposal with its facts, and each step's
decision (a return's reason, the agenda, the township's check, the county's decision, the household's
confirmation). Validation only: the rules are the services'."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from portal.forms import RowChoiceField
from portal.models import Household
from ratings.evaluations import services
from ratings.models import HouseholdProposal

# The fields the village fills in, in the order of the form (ratings.evaluations.services names them);
# the household only when proposing.
DECISION, FACTS, RULES = list(services.DECISION), list(services.FACTS), list(services.RULES)


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("save", label))
    return helper


class ProposalForm(forms.Form):
    """A household proposed for a decision (new), or the proposal corrected (`proposal` given)."""

    household = RowChoiceField(label=_("Household"), queryset=Household.objects.none())

    def __init__(self, *args, village, proposal: HouseholdProposal | None = None, **kwargs):
        if proposal is not None:
            kwargs.setdefault("initial", {name: getattr(proposal, name) for name in DECISION + FACTS + RULES})
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(HouseholdProposal, fields=DECISION + FACTS + RULES))
        if proposal is None:
            self.fields["household"].queryset = Household.objects.filter(village=village).order_by("number")
            self.fields["household"].label_from_instance = lambda household: household.number
        else:
            del self.fields["household"]
        self.fields["category"].help_text = _("For an entry into monitoring only.")
        self.fields["star"].help_text = _("For a star rating only.")
        self.fields["notice_days"].required = False
        self.fields["notice_days"].help_text = _(
            "Leave empty for the rule: 7 days for an exit from poverty, 5 for the others. Never fewer."
        )
        self.fields["threshold_numerator"].help_text = _(
            "The household passes when more than this share of the ballots agree: by default more than "
            "1 of 2 (half)."
        )
        self.helper = _helper(_("Save the proposal") if proposal else _("Propose the household"))


# The step forms below are drawn with |crispy inside the page's own form and button.


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for returning it"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AgendaForm(forms.Form):
    meeting = RowChoiceField(
        label=_("Meeting"),
        queryset=Meeting.objects.none(),
        required=False,
        empty_label=_("— on no agenda —"),
    )

    def __init__(self, *args, proposal: HouseholdProposal, **kwargs):
        kwargs.setdefault("initial", {"meeting": proposal.meeting_id})
        super().__init__(*args, **kwargs)
        # Meetings of the village whose vote has not opened: their agenda may still change.
        self.fields["meeting"].queryset = (
            Meeting.objects.filter(village_id=proposal.village_id)
            .exclude(status__in=Meeting.FROZEN)
            .order_by("-year")
        )


class DecisionForm(forms.Form):
    """The township's check or the county's decision: approve, or return with a reason."""

    APPROVE, RETURN = "approve", "return"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (RETURN, _("Return with a reason"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason given"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to return it."),
    )

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE


class ConfirmForm(forms.Form):
    by_helper = forms.BooleanField(
        label=_("A helper signed for the household, which cannot write"), required=False
    )
    thumbprint = forms.BooleanField(label=_("The household gave its thumbprint"), required=False)
