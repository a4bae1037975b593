"""Input validation of the monitoring pages; the rules live in meetings.monitoring.services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import MeasureKind, RiskFlag
from meetings.visits.forms import DateInput
from portal.models import Cadre
from portal.names import local_name


class RiskFlagForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=RiskFlag.Category.choices)
    risk = forms.ChoiceField(label=_("Risk"), choices=RiskFlag.Risk.choices)
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("flag", _("Flag the household at risk")))


class LocalNameChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, entry):
        return local_name(entry)


class MeasureForm(forms.Form):
    kind = LocalNameChoiceField(label=_("Measure"), queryset=MeasureKind.objects.none())
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Cadre.objects.none())
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = MeasureKind.objects.of_township(village.township_id).offered()
        self.fields["owner"].queryset = Cadre.objects.in_village(village).order_by("name")


class MeasureDoneForm(forms.Form):
    on = forms.DateField(label=_("Done on"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
