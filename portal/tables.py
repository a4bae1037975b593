"""The portal-wide base table every django-tables2 table extends."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from portal.models import AuditEntry, Resident


class PortalTable(tables.Table):
    class Meta:
        attrs = {"class": "table table-striped table-hover align-middle"}
        per_page = 50
        empty_text = _("Nothing here yet.")


class AuditTable(PortalTable):
    seq = tables.Column(verbose_name=_("No."))
    created_at = tables.DateTimeColumn(format="Y-m-d H:i:s")
    actor_name = tables.Column()
    action = tables.Column()
    target_label = tables.Column()
    scope = tables.Column()
    details = tables.JSONColumn(orderable=False)

    class Meta(PortalTable.Meta):
        model = AuditEntry
        fields = ("seq", "created_at", "actor_name", "action", "target_label", "scope", "details")
        order_by = ("-seq",)


class ResidentTable(PortalTable):
    household = tables.Column(accessor="household__number", order_by=("household__number", "name"))
    id_last4 = tables.Column(verbose_name=_("ID (last 4)"), orderable=False)
    party_member = tables.BooleanColumn()
    representative = tables.BooleanColumn()
    active = tables.BooleanColumn()

    class Meta(PortalTable.Meta):
        model = Resident
        fields = (
            "household",
            "name",
            "gender",
            "birth_year",
            "id_last4",
            "party_member",
            "representative",
            "active",
        )
