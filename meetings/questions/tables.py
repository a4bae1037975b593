"""The public table of a village's commitments."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from meetings.models import Commitment
from meetings.templatetags.commitments import commitment_status
from portal.tables import PortalTable


class CommitmentTable(PortalTable):
    title = tables.Column(verbose_name=_("What will be done"), linkify=True)
    owner = tables.Column(verbose_name=_("Responsible cadre"), accessor="owner__name")
    year = tables.Column(verbose_name=_("Meeting"), accessor="meeting__year")
    due_date = tables.DateColumn(verbose_name=_("Due date"), short=False)
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "due_date"))

    class Meta(PortalTable.Meta):
        model = Commitment
        fields = ("title", "owner", "year", "due_date", "status")
        order_by = ("due_date",)
        empty_text = _("No commitments match.")

    def render_status(self, record):
        return commitment_status(record)
