"""Input validation of the results pages: the public objection form and the staff's review, rulings and
honor roll. The rules themselves live in ratings.results.services.

The staff forms repeat the services' limits so that a bad input is a form error (400) on the page, while a
refusal the service still makes afterwards is about the state of the meeting (409).
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ratings.models import HonorCandidate, Objection
from ratings.results import services


def _helper(view: str, pk: int, button: str, label) -> FormHelper:
    """The form posts to the view of the object `pk`, with one button."""
    helper = FormHelper()
    helper.form_action = reverse(view, args=[pk])
    helper.add_input(Submit(button, label))
    return helper


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
        max_length=services.OBJECTION_MAX_CHARS,
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
        self.helper = _helper("ratings:objection-lodge", meeting_pk, "lodge", _("Lodge the objection"))


class PublishForm(forms.Form):
    """Publish the draft the reviewer saw: `draft` names it, so that one computed since is not published."""

    days = forms.IntegerField(
        label=_("Notice period (days)"),
        min_value=1,
        max_value=services.MAX_NOTICE_DAYS,
        help_text=_("Anyone may lodge an objection until the period ends."),
    )
    draft = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, meeting, draft: int | None = None, **kwargs):
        kwargs.setdefault("initial", {"days": settings.RESULTS_NOTICE_DAYS, "draft": draft})
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "ratings:staff-results-publish", meeting.pk, "publish", _("Publish for public notice")
        )


class RulingForm(forms.Form):
    """A moderator's ruling on one objection; the ruling is published with it."""

    UPHELD, REJECTED = "upheld", "rejected"

    decision = forms.ChoiceField(
        label=_("Ruling"),
        choices=[(UPHELD, _("Upheld")), (REJECTED, _("Rejected"))],
        widget=forms.RadioSelect,
    )
    ruling = forms.CharField(
        label=_("Reason for the ruling"),
        max_length=services.REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown publicly with the objection."),
    )
    withhold_text = forms.BooleanField(
        label=_("Withhold the objection's text from the public page"),
        required=False,
        help_text=_("For abusive or personal text; the ruling is still shown."),
    )

    def __init__(self, *args, objection: Objection, **kwargs):
        kwargs.setdefault("auto_id", f"objection-{objection.pk}-%s")
        super().__init__(*args, **kwargs)
        self.objection = objection
        self.helper = _helper("ratings:staff-objection-rule", objection.pk, "rule", _("Record the ruling"))

    @property
    def upheld(self) -> bool:
        return self.cleaned_data["decision"] == self.UPHELD


class NominateForm(forms.Form):
    """The committees put a household of the village forward, found by its number on the roll."""

    household = forms.CharField(
        label=_("Household number"),
        max_length=40,
        help_text=_("As on the village's roll."),
        widget=forms.TextInput(attrs={"list": "household-numbers", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=services.REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the committees put this household forward; published with the honor roll."),
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "ratings:staff-honor-nominate", meeting.pk, "nominate", _("Put the household forward")
        )

    def clean_household(self):
        return self.cleaned_data["household"].strip()


class ReviewForm(forms.Form):
    """Accept a candidate onto the honor roll with its award, or decline it with a note."""

    ACCEPT, DECLINE = "accept", "decline"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ACCEPT, _("Accept onto the honor roll")), (DECLINE, _("Decline"))],
        widget=forms.RadioSelect,
    )
    award = forms.CharField(
        label=_("Award"),
        max_length=HonorCandidate._meta.get_field("award").max_length,
        required=False,
        help_text=_("For example “certificate and a red flower”."),
    )
    award_ug = forms.CharField(
        label=_("Award in Uyghur"),
        max_length=HonorCandidate._meta.get_field("award_ug").max_length,
        required=False,
        help_text=_("Shown on Uyghur pages; the award in Chinese is shown where this is empty."),
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "ug"}),
    )
    award_amount = forms.DecimalField(
        label=_("Award amount (yuan)"),
        required=False,
        min_value=0,
        max_value=services.MAX_AWARD,
        max_digits=9,
        decimal_places=2,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=HonorCandidate._meta.get_field("review_note").max_length,
        required=False,
        help_text=_("Required when declining; not published."),
    )

    def __init__(self, *args, candidate: HonorCandidate, **kwargs):
        kwargs.setdefault("auto_id", f"candidate-{candidate.pk}-%s")
        if candidate.status != HonorCandidate.Status.PENDING:
            kwargs.setdefault(
                "initial",
                {
                    "decision": self.ACCEPT
                    if candidate.status == HonorCandidate.Status.ACCEPTED
                    else self.DECLINE,
                    "award": candidate.award,
                    "award_ug": candidate.award_ug,
                    "award_amount": candidate.award_amount,
                    "note": candidate.review_note,
                },
            )
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        self.helper = _helper("ratings:staff-honor-review", candidate.pk, "review", _("Save the review"))

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["decision"] == self.ACCEPT

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.DECLINE and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why the household is declined."))
        return cleaned
