"""Input of the kiosk pages: validation only. The ballot's rules are ratings.services'."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.models import Household
from ratings.kiosk_ballot import TEXT_SIZES, line_key


class StartForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    text_size = forms.ChoiceField(choices=[(size, size) for size in TEXT_SIZES])


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=40,
        error_messages={"required": _("Type the code printed on your slip.")},
    )


class GradesForm(forms.Form):
    """One grade per line of the ballot for one cadre: a field `grade-<criterion id>` per criterion, or
    `grade-overall` in quick mode, each a grade id of the meeting's scale."""

    def __init__(self, *args, lines, grades, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(grade.pk, grade.pk) for grade in grades]
        for criterion in lines:
            self.fields[self.field_name(criterion)] = forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                error_messages={
                    "required": _("Choose one answer on this line, or “Don't know”."),
                    "invalid_choice": _("This answer is not on the ballot."),
                },
            )
        self.lines = lines

    @staticmethod
    def field_name(criterion) -> str:
        return f"grade-{line_key(criterion)}"

    def chosen(self) -> dict[str, int]:
        """Line key → grade id, for the lines answered validly (all of them once the form is valid)."""
        cleaned = getattr(self, "cleaned_data", {})
        return {
            line_key(criterion): cleaned[self.field_name(criterion)]
            for criterion in self.lines
            if self.field_name(criterion) in cleaned
        }


class SearchForm(forms.Form):
    q = forms.CharField(max_length=50, required=False, strip=True)


class NominateForm(forms.Form):
    """Households to add to the nominations, or one to take off; only households of the village."""

    household = forms.ModelMultipleChoiceField(
        queryset=Household.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Only households of this village can be nominated.")},
    )
    remove = forms.IntegerField(required=False)

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.filter(village=village)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("household") and cleaned.get("remove") is None and not self.errors:
            raise forms.ValidationError(_("Choose a household."))
        return cleaned
