"""Input validation for the staff pages."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.models import Role

VILLAGE_ROLES = [(role.value, role.label) for role in Role if role != Role.TOWNSHIP_ADMIN]


class RoleGrantForm(forms.Form):
    username = forms.CharField(label=_("Account (user name)"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=VILLAGE_ROLES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("grant", _("Grant the role")))

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("There is no active account with this user name."))
        return user
