"""Filters of the meeting lists: by year, status and kind, and by village where there are several."""

import django_filters
from crispy_forms.helper import FormHelper
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from portal.models import Village

PUBLIC_STATUSES = [(value, label) for value, label in Meeting.Status.choices if value in Meeting.PUBLIC]


class MeetingFilter(django_filters.FilterSet):
    """The public list of one village's meetings. The years offered are those that have a meeting."""

    year = django_filters.ChoiceFilter(label=_("Year"), empty_label=_("All years"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=PUBLIC_STATUSES, empty_label=_("Any status")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Meeting.Kind.choices, empty_label=_("Any kind")
    )

    class Meta:
        model = Meeting
        fields = ("year", "status", "kind")

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        years = self.queryset.order_by("-year").values_list("year", flat=True).distinct()
        self.filters["year"].extra["choices"] = lambda: [(year, str(year)) for year in years]

    @property
    def form(self):
        """The fields only: meetings/meeting/_filter.html wraps them in a GET form with its button."""
        form = super().form
        if not hasattr(form, "helper"):
            form.helper = FormHelper()
            form.helper.form_tag = False
            form.helper.disable_csrf = True
        return form


class TownshipMeetingFilter(MeetingFilter):
    """The public list of a township's meetings, with a choice of its villages."""

    village = django_filters.ModelChoiceFilter(
        label=_("Village"), queryset=Village.objects.none(), empty_label=_("All villages")
    )

    class Meta(MeetingFilter.Meta):
        fields = ("village", "year", "status", "kind")

    def __init__(self, data=None, queryset=None, *, villages, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["village"].queryset = villages


class StaffMeetingFilter(TownshipMeetingFilter):
    """The staff's list: drafts too, and the villages the user runs meetings in."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Meeting.Status.choices, empty_label=_("Any status")
    )
