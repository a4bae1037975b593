"""Tables of the meetings app, all extending the portal-wide base table."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from meetings.models import WorkReport
from portal.tables import PortalTable


class MyReportTable(PortalTable):
    """A cadre's own reports, each linked to its editing page."""

    meeting = tables.Column(
        verbose_name=_("Meeting"),
        order_by=("meeting__year", "meeting__held_at"),
        linkify=lambda record: reverse("meetings:report-edit", args=[record.pk]),
    )
    language = tables.Column()
    status = tables.Column()
    updated_at = tables.DateTimeColumn(format="Y-m-d H:i")
    published_at = tables.DateTimeColumn(format="Y-m-d", default="—")

    class Meta(PortalTable.Meta):
        model = WorkReport
        fields = ("meeting", "language", "status", "updated_at", "published_at")
        order_by = ("-meeting",)


class ModerationReportTable(PortalTable):
    """Reports awaiting a moderator, each linked to the page where it is decided."""

    village = tables.Column(
        verbose_name=_("Village"), accessor="meeting__village__name", order_by=("meeting__village__code",)
    )
    year = tables.Column(verbose_name=_("Year"), accessor="meeting__year")
    cadre = tables.Column(
        verbose_name=_("Cadre"),
        accessor="cadre__name",
        linkify=lambda record: reverse("meetings:moderation-report", args=[record.pk]),
    )
    # Which version waits: the Chinese or the Uyghur one (each is moderated on its own).
    language = tables.Column()
    status = tables.Column()
    updated_at = tables.DateTimeColumn(format="Y-m-d H:i")

    class Meta(PortalTable.Meta):
        model = WorkReport
        fields = ("village", "year", "cadre", "language", "status", "updated_at")
        order_by = ("updated_at",)
