"""Input validation for the operator's ballot pages: handing out codes, printing, voiding, terminals."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from ratings import codes, services


class ResidentForm(forms.Form):
    """One resident of the roll; the view looks them up in the meeting's village only.

    `q` carries the operator's search back to the control page, for the next person in the queue.
    """

    resident = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    q = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)


class BatchForm(forms.Form):
    count = forms.IntegerField(
        label=_("Number of codes"),
        min_value=1,
        max_value=services.MAX_BATCH,
        initial=50,
        help_text=_("Ten slips to an A4 page. Hand them out in random order."),
    )
    panel = forms.BooleanField(
        label=_("Codes for the township panel"),
        required=False,
        help_text=_("Their ballots count in the township panel's group, if the rating scheme weights it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("print", _("Print the codes")))


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
        self.helper = FormHelper()
        self.helper.add_input(Submit("void", _("Void the code"), css_class="btn-danger"))

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
        self.helper = FormHelper()
        self.helper.add_input(Submit("arm", _("Arm this browser as a terminal")))
