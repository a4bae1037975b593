"""The portal-wide base table every django-tables2 table extends, and the one way a list is paged."""

import django_tables2 as tables
from django.core.paginator import EmptyPage
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from portal import audit_labels
from portal.models import AuditEntry, Resident
from portal.params import DB_INT_MAX, parse_int

# The largest page a reader may ask for with ?per_page=: enough to print a village's list, small
# enough that nobody can make one request read a whole county's table.
MAX_PER_PAGE = 200


class PagedRequestConfig(tables.RequestConfig):
    """django-tables2's RequestConfig, with `page` and `per_page` read within range.

    Every paged list uses it (`PagedRequestConfig(request, per_page=25).configure(table)`). A page size
    that is not a whole number from 1 to MAX_PER_PAGE falls back to the list's default (the plain
    RequestConfig passes 0, -5 or 2**64 on to the paginator and the database: a 500); a page number
    that is not one falls back to the first page, one past the end shows the last page.
    """

    def __init__(self, request, *, per_page: int):
        super().__init__(request, paginate=False)  # ordering from the request; paging below
        self.per_page = per_page

    def configure(self, table):
        super().configure(table)
        query = self.request.GET
        per_page = parse_int(query.get(table.prefixed_per_page_field), high=MAX_PER_PAGE) or self.per_page
        page = parse_int(query.get(table.prefixed_page_field), high=DB_INT_MAX) or 1
        try:
            table.paginate(page=page, per_page=per_page)
        except EmptyPage:
            table.paginate(page=table.paginator.num_pages, per_page=per_page)
        return table


class PortalTable(tables.Table):
    class Meta:
        attrs = {"class": "table table-striped table-hover align-middle"}
        per_page = 50
        empty_text = _("Nothing here yet.")


class AuditTable(PortalTable):
    # The number within the entry's chain (one per village or township); sorted, the order recorded.
    seq = tables.Column(verbose_name=_("No."), order_by=("pk",))
    created_at = tables.DateTimeColumn(format="Y-m-d H:i:s")
    actor_name = tables.Column()
    action = tables.Column()
    target_label = tables.Column(verbose_name=_("Object"), order_by=("target_type", "target_label"))
    scope = tables.Column()
    details = tables.Column(orderable=False, empty_values=())

    class Meta(PortalTable.Meta):
        model = AuditEntry
        fields = ("seq", "created_at", "actor_name", "action", "target_label", "scope", "details")
        order_by = ("-seq",)

    def render_action(self, value):
        return audit_labels.action_label(value)

    def render_target_label(self, record):
        return audit_labels.target_named(record)

    def render_details(self, value):
        return format_html_join(
            "", '<div class="audit-detail">{}</div>', ((line,) for line in audit_labels.details_lines(value))
        )


class ResidentTable(PortalTable):
    household = tables.Column(accessor="household__number", order_by=("household__number", "name"))
    # A person's name ("姓名"), not the model field's generic "name" ("名称") that places share.
    name = tables.Column(verbose_name=_("Name"))
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
