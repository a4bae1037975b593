"""Input validation for the public objection form; the rules themselves live in results_services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ratings.models import Objection
from ratings.results_services import OBJECTION_MAX_CHARS


class ObjectionForm(forms.Form):
    """Anyone, no account: what is wrong with the published results or honor roll, and why."""

    subject = forms.ChoiceField(
        label=_("What is your objection about?"),
        choices=Objection.Subject.choices,
        initial=Objection.Subject.RESULTS,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Your objection"),
        max_length=OBJECTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say what you believe is wrong and why. It is published with the ruling."),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=Objection._meta.get_field("name").max_length,
        required=False,
        help_text=_("Shown with your objection. Leave it empty to object anonymously."),
    )
    contact = forms.CharField(
        label=_("Phone or address (optional, not published)"),
        max_length=Objection._meta.get_field("contact").max_length,
        required=False,
        help_text=_("Only the township office sees it, to reply to you."),
    )

    def __init__(self, *args, meeting_pk: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse("ratings:objection-lodge", args=[meeting_pk])
        self.helper.add_input(Submit("lodge", _("Lodge the objection")))
