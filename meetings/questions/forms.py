"""Input validation for questions and commitments; the rules themselves live in question_services."""

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.models import Commitment
from meetings.questions import services as rules
from portal import uploads
from portal.models import Cadre

OVERDUE = "overdue"


class QuestionForm(forms.Form):
    """A question to a meeting: what a villager types on the site, or the clerk at the venue."""

    text = forms.CharField(
        label=_("Your question or comment"),
        min_length=rules.QUESTION_MIN_LENGTH,
        max_length=rules.QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    asker_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=rules.ASKER_NAME_MAX_LENGTH,
        required=False,
        help_text=_("Leave it empty to ask anonymously."),
    )
    cadre = forms.ModelChoiceField(
        label=_("Addressed to"),
        queryset=Cadre.objects.none(),
        required=False,
        empty_label=_("the two committees in general"),
    )

    submit_label = _("Send the question")

    def __init__(self, *args, meeting, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = Cadre.objects.filter(reporting__meeting=meeting).order_by(
            "reporting__order", "name"
        )
        self.helper = FormHelper()
        self.helper.form_action = action or reverse("meetings:question-ask", args=[meeting.pk])
        self.helper.add_input(Submit("ask", self.submit_label))


class QuestionRecordForm(QuestionForm):
    """The clerk's version: the villager asked aloud; the name is still optional."""

    submit_label = _("Record the question")

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(
            *args, meeting=meeting, action=reverse("meetings:questions-record", args=[meeting.pk]), **kwargs
        )
        self.fields["text"].label = _("Question or comment, as asked")
        self.fields["asker_name"].label = _("Asked by (optional)")
        self.fields["asker_name"].help_text = ""


class QuestionHideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for hiding"),
        max_length=rules.HIDE_REASON_MAX_LENGTH,
        help_text=_("Kept in the audit log; not shown to the public."),
    )


class QuestionAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=rules.ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, question, **kwargs):
        kwargs.setdefault("auto_id", f"question-{question.pk}-%s")
        kwargs.setdefault("initial", {"answer": question.answer})
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse("meetings:question-answer", args=[question.pk])
        label = _("Change the answer") if question.answer else _("Publish the answer")
        self.helper.add_input(Submit("answer-submit", label))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CommitmentForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Responsible cadre"), queryset=Cadre.objects.none())
    title = forms.CharField(label=_("What will be done"), max_length=rules.TITLE_MAX_LENGTH)
    details = forms.CharField(
        label=_("Details"),
        max_length=rules.DETAILS_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())

    def __init__(self, *args, meeting, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Cadre.objects.in_village(meeting.village_id)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("commit", _("Make the commitment")))


class CommitmentUpdateForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    text = forms.CharField(
        label=_("What has been done"),
        max_length=rules.UPDATE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, commitment, **kwargs):
        super().__init__(*args, **kwargs)
        # Interpolated here, not at import, so that it is translated into the request's language.
        self.fields["photo"].help_text = gettext("A JPEG, PNG or WebP image of at most %(limit)s MB.") % {
            "limit": uploads.max_megabytes()
        }
        self.helper = FormHelper()
        self.helper.form_action = reverse("meetings:commitment-update-add", args=[commitment.pk])
        self.helper.add_input(Submit("add-update", _("Add the progress update")))


class CommitmentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Commitment.Status.choices)

    def __init__(self, *args, commitment, **kwargs):
        kwargs.setdefault("initial", {"status": commitment.status})
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse("meetings:commitment-status", args=[commitment.pk])
        self.helper.add_input(Submit("set-status", _("Change the status")))


class CommitmentFilter(django_filters.FilterSet):
    """The public list's filters: by status (overdue included) and by the responsible cadre."""

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[*Commitment.Status.choices, (OVERDUE, _("overdue"))],
        empty_label=_("any status"),
        method="filter_status",
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Responsible cadre"), queryset=Cadre.objects.none(), empty_label=_("any cadre")
    )

    class Meta:
        model = Commitment
        fields = ["status", "owner"]

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].queryset = Cadre.objects.in_village(village)

    def filter_status(self, queryset, name, value):
        if value == OVERDUE:
            return queryset.overdue()
        return queryset.filter(status=value)
