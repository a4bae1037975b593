"""Tables of meetings: per village and per township for the public, and the staff's own list."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from portal.tables import PortalTable


class MeetingTable(PortalTable):
    """What every list of meetings shows: when, what kind, and how far it has come; newest first."""

    held_at = tables.DateTimeColumn(format="Y-m-d H:i")
    kind = tables.Column()
    status = tables.Column()

    class Meta(PortalTable.Meta):
        model = Meeting
        fields = ("held_at", "kind", "status")
        order_by = ("-held_at",)
        per_page = 25


class VillageMeetingTable(MeetingTable):
    """One village's meetings, one a year: each links to its page."""

    year = tables.Column(linkify=True)
    venue = tables.Column()

    class Meta(MeetingTable.Meta):
        fields = ("year", "held_at", "venue", "kind", "status")
        sequence = fields
        empty_text = _("No meeting has been announced yet.")


class TownshipMeetingTable(VillageMeetingTable):
    """The meetings of all the villages of a township; the village links to the village's page."""

    village = tables.Column(
        linkify=lambda record: record.village.get_absolute_url(), order_by=("village__name", "-year")
    )

    class Meta(VillageMeetingTable.Meta):
        fields = ("village", "year", "held_at", "venue", "kind", "status")
        sequence = fields


class StaffMeetingTable(MeetingTable):
    """The meetings an operator or administrator runs, drafts included; each opens its control page."""

    village = tables.Column(order_by=("village__name", "-year"))
    year = tables.Column(linkify=lambda record: reverse("meetings:staff-meeting", args=[record.pk]))

    class Meta(MeetingTable.Meta):
        fields = ("village", "year", "held_at", "kind", "status")
        sequence = fields
