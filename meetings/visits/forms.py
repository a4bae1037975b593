"""Input validation of the visit log's pages; the rules live in meetings.visits.services."""

import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import HouseholdProblem, Policy
from meetings.visits.services import CODE_LENGTH, normalize_code
from portal.models import Cadre, Household


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PairingForm(forms.Form):
    cadre = forms.ModelChoiceField(label=_("Cadre"), queryset=Cadre.objects.none())
    household = forms.ModelChoiceField(label=_("Household"), queryset=Household.objects.none())
    start = forms.DateField(label=_("From"), widget=DateInput(), initial=timezone.localdate)
    end = forms.DateField(label=_("Until (optional)"), widget=DateInput(), required=False)

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = Cadre.objects.in_village(village).order_by("name")
        self.fields["household"].queryset = Household.objects.filter(village=village).order_by("number")
        self.helper = FormHelper()
        self.helper.add_input(Submit("pair", _("Pair")))


class PairingEndForm(forms.Form):
    end = forms.DateField(label=_("Ends on"), widget=DateInput(), initial=timezone.localdate)


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Policy"), max_length=100)
    name_ug = forms.CharField(label=_("Name in Uyghur"), max_length=100, required=False)
    active = forms.BooleanField(label=_("Offered on the visit form"), required=False, initial=True)


class MeasureKindForm(forms.Form):
    name = forms.CharField(label=_("Measure"), max_length=100)
    name_ug = forms.CharField(label=_("Name in Uyghur"), max_length=100, required=False)
    active = forms.BooleanField(label=_("Offered when a measure is assigned"), required=False, initial=True)


class RequirementForm(forms.Form):
    visits_per_month = forms.IntegerField(
        label=_("Visits per household per month"), min_value=1, max_value=31
    )


class HouseholdChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, household):
        return household.number


class ProblemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, problem):
        return f"{problem.household.number} · {problem.text}"


class PolicyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, policy):
        return policy.name


class VisitForm(forms.Form):
    """One visit, written on a phone. `client_key` names the visit, so that sending it twice saves it
    once; the page fills it in, and the phone's script gives each visit it keeps a new one."""

    client_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    household = HouseholdChoiceField(label=_("Household"), queryset=Household.objects.none())
    date = forms.DateField(label=_("Date of the visit"), widget=DateInput(), initial=timezone.localdate)
    met = forms.CharField(label=_("Who was met"), max_length=200)
    situation = forms.CharField(
        label=_("The household's situation"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the visit log only: never shown to the public or on the household's card page."),
    )
    problems_raised = forms.CharField(
        label=_("Problems raised"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One problem a line. Each is followed until it is solved."),
    )
    problems_solved = ProblemChoiceField(
        label=_("Problems solved at this visit"),
        queryset=HouseholdProblem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    solution = forms.CharField(label=_("How they were solved"), max_length=300, required=False)
    policies = PolicyChoiceField(
        label=_("Policies explained"),
        queryset=Policy.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    photo = forms.ImageField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("Never required. Location and camera details are removed."),
    )
    photo_agreed = forms.BooleanField(label=_("The household agreed to the photo"), required=False)

    def __init__(self, *args, households, problems, policies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["problems_solved"].queryset = problems
        self.fields["policies"].queryset = policies
        if not self.is_bound:
            self.initial.setdefault("client_key", uuid.uuid4())

    def clean(self):
        data = super().clean()
        if data.get("photo") and not data.get("photo_agreed"):
            self.add_error("photo_agreed", _("A photo is kept only when the household agreed to it."))
        if data.get("problems_solved") and not (data.get("solution") or "").strip():
            self.add_error("solution", _("Say how the problems were solved."))
        return data


class ProblemSolveForm(forms.Form):
    on = forms.DateField(label=_("Solved on"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("How it was solved"), max_length=300)


class DisputeForm(forms.Form):
    note = forms.CharField(
        label=_("Anything to add (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HouseholdCodeForm(forms.Form):
    code = forms.CharField(label=_("The code on your card"), max_length=40)

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError(
                _("The code on the card has %(count)s letters and digits."), params={"count": CODE_LENGTH}
            )
        return code
