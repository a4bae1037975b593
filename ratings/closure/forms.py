"""Input of the closure pages: naming a scrutineer, and a signature on the certificate."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import RowChoiceField, active_account, resident_label
from portal.models import Resident


class ScrutineerForm(forms.Form):
    resident = RowChoiceField(label=_("Villager"), queryset=None)
    username = forms.CharField(
        label=_("Staff account (optional)"),
        max_length=150,
        required=False,
        help_text=_("The account with which the scrutineer confirms the closure certificate."),
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        roll = Resident.objects.in_village(meeting.village_id).on_roll().select_related("household")
        self.fields["resident"].queryset = roll.order_by("household__number", "name")
        self.fields["resident"].label_from_instance = resident_label
        self.helper = FormHelper()
        self.helper.add_input(Submit("name", _("Name as scrutineer")))

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        return active_account(username) if username else None


class SignatureForm(forms.Form):
    """Who signs ("chair" or a scrutineer's id), and the version of the results the page showed."""

    signer = forms.RegexField(regex=r"^(chair|\d{1,18})$", max_length=20)
    version = forms.IntegerField(min_value=1, max_value=32767)
