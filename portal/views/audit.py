"""The audit log, read by township administrators for their own townships."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from portal import permissions
from portal.models import AuditEntry
from portal.permissions import Capability
from portal.tables import AuditTable, PagedRequestConfig


@login_required
def audit_log(request):
    """Township administrators (their townships' entries) and superusers (all entries)."""
    user = request.user
    if user.is_superuser:
        entries = AuditEntry.objects.all()
    else:
        townships = list(permissions.townships_with(user, Capability.VIEW_AUDIT))
        if not townships:
            raise Http404
        entries = AuditEntry.objects.in_townships(townships)
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action=action)
    table = AuditTable(entries)
    PagedRequestConfig(request, per_page=50).configure(table)
    context = {"table": table, "action": action}
    return render(request, "portal/staff/audit_log.html", context)
