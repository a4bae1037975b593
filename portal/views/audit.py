"""The audit log, read by township administrators for their own townships: filtered, and exported."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal import audit_labels, permissions
from portal.forms import AuditFilterForm
from portal.models import AuditEntry
from portal.permissions import Capability
from portal.spreadsheets import spreadsheet_csv
from portal.tables import AuditTable, PagedRequestConfig

BAD_INPUT = 400


@login_required
@require_safe
def audit_log(request):
    """Township administrators (their townships' entries) and superusers (all entries).

    Filtered by action, account and dates; `?export=csv` downloads the filtered entries, all of them.
    """
    entries = _entries_for(request.user)
    form = AuditFilterForm(
        request.GET or None,
        actions=audit_labels.action_choices(entries.action_codes()),
        actors=entries.actor_names(),
    )
    status = 200
    if form.is_bound and not form.is_valid():
        entries, status = entries.none(), BAD_INPUT
    elif form.is_bound:
        entries = _filtered(entries, form.cleaned_data)
    if status == 200 and request.GET.get("export") == "csv":
        return _csv(entries)
    table = AuditTable(entries)
    PagedRequestConfig(request, per_page=50).configure(table)
    export = request.GET.copy()
    export["export"] = "csv"
    export.pop("page", None)
    context = {"table": table, "form": form, "export_query": export.urlencode()}
    return render(request, "portal/staff/audit_log.html", context, status=status)


def _entries_for(user):
    if user.is_superuser:
        return AuditEntry.objects.all()
    townships = list(permissions.townships_with(user, Capability.VIEW_AUDIT))
    if not townships:
        raise Http404
    return AuditEntry.objects.in_townships(townships)


def _filtered(entries, filters: dict):
    if filters["action"]:
        entries = entries.filter(action=filters["action"])
    if filters["actor"]:
        entries = entries.by_actor(filters["actor"])
    return entries.recorded_between(filters["first"], filters["last"])


def _csv(entries) -> HttpResponse:
    """The entries as the page shows them, oldest first, for a spreadsheet (BOM, text kept as text)."""
    header = [_("No."), _("Time"), _("Division code"), _("User"), _("Action"), _("Object"), _("Details")]
    rows = (
        [
            entry.seq,
            timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            entry.scope,
            entry.actor_name,
            audit_labels.action_label(entry.action),
            audit_labels.target_named(entry),
            "\n".join(audit_labels.details_lines(entry.details)),
        ]
        for entry in entries.in_order_recorded().iterator()
    )
    response = HttpResponse(spreadsheet_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.csv"'
    return response
