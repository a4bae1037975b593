"""The scheme editor's forms: input validation only; the rules on a scheme's rows are the service's."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from portal import permissions
from portal.permissions import Capability
from ratings.ballot import schemes
from ratings.models import Grade, RatingScheme, VoterGroup

# The k rule keeps small cells of a breakdown unpublished; a k of 1 or 2 would let a lone voter's
# grades be read off a breakdown, so the editor does not go below this.
MIN_CELL_FLOOR = 3
MAX_ROWS = 20  # a scheme has a handful of rows; a forged TOTAL_FORMS builds no more forms than this


class TownshipChoiceMixin:
    """The township a new scheme belongs to: one the user administers; a superuser may leave it empty
    for a county preset."""

    def _set_townships(self, user):
        field = self.fields["township"]
        field.queryset = permissions.townships_with(user, Capability.MANAGE_MEETINGS).order_by("name")
        field.required = not user.is_superuser
        field.empty_label = _("County preset (every township)") if user.is_superuser else None


class SchemeStartForm(TownshipChoiceMixin, forms.Form):
    name = forms.CharField(label=_("Name of the scheme"), max_length=100)
    scale = forms.ChoiceField(
        label=_("Start from the preset"),
        choices=[("satisfaction", ""), ("competence", "")],  # labels in __init__, in the reader's language
        widget=forms.RadioSelect,
        initial="satisfaction",
    )
    quick_mode = forms.BooleanField(label=_("Quick mode: one overall grade per cadre"), required=False)
    township = forms.ModelChoiceField(label=_("Township"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_townships(user)
        self.fields["scale"].choices = [
            ("satisfaction", scale_label(schemes.SATISFACTION_GRADES)),
            ("competence", scale_label(schemes.COMPETENCE_GRADES)),
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False


def scale_label(grades) -> str:
    """The stored words of a preset scale and, after them, what they mean in the reader's language."""
    stored = " / ".join(row[1] for row in grades)
    return f"{stored} ({', '.join(str(row[2]) for row in grades)})"


class SchemeCopyForm(TownshipChoiceMixin, forms.Form):
    name = forms.CharField(label=_("Name of the copy"), max_length=100)
    township = forms.ModelChoiceField(label=_("Township"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_townships(user)
        self.helper = FormHelper()
        self.helper.form_tag = False


class SchemeForm(forms.ModelForm):
    min_cell = forms.IntegerField(
        label=_("smallest breakdown shown (k)"),
        min_value=MIN_CELL_FLOOR,
        max_value=100,
        help_text=_("A breakdown cell with fewer ballots than this is not shown, to keep the ballot secret."),
    )

    class Meta:
        model = RatingScheme
        fields = ["name", "quick_mode", "max_nominations", "excellent_share", "incompetent_share", "min_cell"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class CriterionForm(forms.Form):
    code = forms.SlugField(label=_("code"), max_length=20)
    name = forms.CharField(label=_("name"), max_length=50)
    description = forms.CharField(label=_("what it means"), max_length=200, required=False)


class GradeForm(forms.Form):
    code = forms.SlugField(label=_("code"), max_length=20)
    label = forms.CharField(label=_("label"), max_length=30)
    value = forms.IntegerField(label=_("score"), min_value=0, max_value=100, required=False)
    standing = forms.ChoiceField(label=_("standing"), choices=Grade.Standing.choices)
    tone = forms.ChoiceField(label=_("colour and face"), choices=Grade.Tone.choices)


class GroupForm(forms.Form):
    kind = forms.ChoiceField(label=_("group"), choices=VoterGroup.Kind.choices)
    weight = forms.DecimalField(label=_("weight"), min_value=0, max_value=1, max_digits=4, decimal_places=3)


class RowsFormSet(forms.BaseFormSet):
    """A formset shown as a table: an input sits under its column's heading, with no <label> of its
    own, so each is named for assistive technology by its column and row ("name, row 2")."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            column = capfirst(field.label)
            # The empty form a page may copy has no row number yet.
            name = (
                column
                if index is None
                else format_lazy(_("{column}, row {row}"), column=column, row=index + 1)
            )
            field.widget.attrs["aria-label"] = name


def _formset(form):
    return forms.formset_factory(
        form,
        formset=RowsFormSet,
        extra=1,
        can_delete=True,
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
        validate_max=True,
    )


CriterionFormSet = _formset(CriterionForm)
GradeFormSet = _formset(GradeForm)
GroupFormSet = _formset(GroupForm)


def table_helper() -> FormHelper:
    """Each formset as a table, inside the one form of the page."""
    helper = FormHelper()
    helper.form_tag = False
    helper.template = "bootstrap5/table_inline_formset.html"
    return helper


def rows_of(formset) -> list[dict]:
    """The kept rows of a valid formset, in order; an extra row left empty has no data and is skipped."""
    return [
        {name: value for name, value in row.items() if name != "DELETE"}
        for row in formset.cleaned_data
        if row and not row.get("DELETE")
    ]
