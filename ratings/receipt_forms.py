"""Input validation for the public receipt check; the answer itself comes from ratings.services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from ratings import codes


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
        self.helper = FormHelper()
        self.helper.form_action = reverse("ratings:receipt-check")
        self.helper.add_input(Submit("check", _("Check the receipt")))

    def clean_receipt(self) -> str:
        """Canonical form, forgiving as on the terminal (lower case, O for 0, I and L for 1, hyphens)."""
        receipt = codes.normalize(self.cleaned_data["receipt"])
        if len(receipt) != codes.RECEIPT_SYMBOLS or any(symbol not in codes.ALPHABET for symbol in receipt):
            raise forms.ValidationError(
                _("A receipt is %(count)s letters and digits. Check it and type it again.")
                % {"count": codes.RECEIPT_SYMBOLS}
            )
        return receipt
