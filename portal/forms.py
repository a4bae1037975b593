"""Input validation for the staff pages."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import TOWNSHIP_ROLES, Cadre, Resident, Role
from portal.params import DB_INT_MAX
from portal.roll_import import FIELD_LABELS, FIELDS


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """A choice of rows by id. Django hands any integer on to the database, and SQLite cannot bind one
    past 64 bits (OverflowError, a 500): such a value is refused here like any other unknown choice."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not an integer: Django refuses it itself
            if not -DB_INT_MAX - 1 <= number <= DB_INT_MAX:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class RowChoiceField(forms.ModelChoiceField):
    """A choice of one row by id, refusing an integer past 64 bits like RowsChoiceField."""

    def to_python(self, value):
        try:
            number = int(str(value))
        except ValueError:
            number = 0  # not an integer: Django refuses it itself
        if not -DB_INT_MAX - 1 <= number <= DB_INT_MAX:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


def resident_label(resident) -> str:
    """A villager as a clerk tells them apart on a list: name, household, last four ID characters."""
    return f"{resident.name} · {resident.household.number} · …{resident.id_last4}"


def active_account(username: str):
    """The active account of that user name, or a form error."""
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if user is None:
        raise forms.ValidationError(_("There is no active account with this user name."))
    return user


VILLAGE_ROLES = [(role.value, role.label) for role in Role if role not in TOWNSHIP_ROLES]


class RoleGrantForm(forms.Form):
    username = forms.CharField(label=_("Account (user name)"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=VILLAGE_ROLES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("grant", _("Grant the role")))

    def clean_username(self):
        return active_account(self.cleaned_data["username"])


class RollImportForm(forms.Form):
    file = forms.FileField(
        label=_("Roll file"),
        help_text=_("A CSV or Excel (.xlsx) file with one row per villager."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", _("Upload and check")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.ROLL_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB; a village's roll is much smaller."),
                params={"limit": settings.ROLL_IMPORT_MAX_BYTES // (1024 * 1024)},
            )
        return upload


class RollMappingForm(forms.Form):
    """The clerk's confirmation of a roll file's preview: what each column of its header holds."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=1000)

    def __init__(self, *args, header, mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", FIELD_LABELS[""]), *((field, FIELD_LABELS[field]) for field in FIELDS)]
        self.columns = []
        for column in header.columns:
            name = f"column_{column.index}"
            self.fields[name] = forms.ChoiceField(
                label=f"{column.letter} · {column.header}",
                choices=choices,
                required=False,
                initial=(mapping or {}).get(column.index, ""),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.columns.append((column, name))

    def column_fields(self):
        """(column, its bound field), for the preview's table."""
        return [(column, self[name]) for column, name in self.columns]

    def mapping(self) -> dict[int, str]:
        return {column.index: self.cleaned_data[name] for column, name in self.columns}


class SupervisionMemberForm(forms.Form):
    """Appoint a villager of the roll to the supervision committee."""

    resident = RowChoiceField(label=_("Villager"), queryset=None)
    chair = forms.BooleanField(label=_("Chair of the committee"), required=False)
    username = forms.CharField(
        label=_("Staff account (optional)"),
        max_length=150,
        required=False,
        help_text=_("The account with which the member confirms a meeting's closure certificate."),
    )

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        roll = Resident.objects.in_village(village).on_roll().select_related("household")
        self.fields["resident"].queryset = roll.order_by("household__number", "name")
        self.fields["resident"].label_from_instance = resident_label
        self.helper = FormHelper()
        self.helper.add_input(Submit("appoint", _("Appoint")))

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        return active_account(username) if username else None


class VenueKeyForm(forms.Form):
    """Register a venue laptop's public key, as its `signing_key` command printed it."""

    public_key = forms.CharField(
        label=_("Public key"),
        max_length=100,
        help_text=_(
            "The line after “public key” that `manage.py signing_key` printed on the laptop. Read the "
            "fingerprint back to the person at the laptop once it is registered."
        ),
    )
    label = forms.CharField(label=_("Which laptop"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("register", _("Register the key")))


class AccountCreateForm(forms.Form):
    """A new staff account for a village, with its role; a cadre's account may be linked to the cadre."""

    class Handover(models.TextChoices):
        PRINTED = "printed", _("a printed initial password, changed at the first login")
        LINK = "link", _("a one-time link where the person sets a password")

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only; the person types it to log in."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=VILLAGE_ROLES)
    cadre = RowChoiceField(
        label=_("The cadre this account is for"),
        queryset=Cadre.objects.none(),
        required=False,
        help_text=_("For a cadre's account: the reports and answers of this cadre become the account's."),
    )
    handover = forms.ChoiceField(
        label=_("How the person gets a password"),
        choices=Handover.choices,
        initial=Handover.PRINTED,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = Cadre.objects.filter(village=village, user__isnull=True)
        self.helper = FormHelper()
        self.helper.add_input(Submit("create", _("Create the account")))


class AuditFilterForm(forms.Form):
    """The audit log's filters (GET): an action, an account, a date range. Empty means any."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.ChoiceField(label=_("User"), required=False)
    first = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Any action")), *actions]
        self.fields["actor"].choices = [("", _("Any user")), *((name, name) for name in actors)]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "audit-filter mb-3"
        self.helper.attrs = {"role": "search"}
        self.helper.disable_csrf = True  # a search: it changes nothing
        self.helper.layout = Layout(
            Div(
                *(Div(name, css_class="col-sm-6 col-lg-3") for name in ("action", "actor", "first", "last")),
                css_class="row g-2",
            ),
            Submit("", _("Filter"), css_class="btn-outline-primary"),
        )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last and first > last:
            raise forms.ValidationError(_("The first date must not be after the last."))
        return cleaned
