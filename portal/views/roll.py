"""The voter roll of a village: browse it and import it from a spreadsheet."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django_tables2 import RequestConfig

from portal import permissions
from portal.models import Resident
from portal.permissions import Capability
from portal.tables import ResidentTable


@login_required
def roll_list(request, code):
    """Township administrators, village moderators and meeting operators of the village."""
    village = permissions.village_or_404(request.user, Capability.VIEW_ROLL, code)
    query = request.GET.get("q", "")
    residents = Resident.objects.in_village(village).search(query).select_related("household")
    table = ResidentTable(residents)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    context = {
        "village": village,
        "table": table,
        "query": query,
        "can_import": permissions.has_capability(request.user, Capability.MANAGE_ROLL, village),
    }
    return render(request, "portal/staff/roll.html", context)


@login_required
def roll_import(request, code):
    """Township administrators and village moderators of the village."""
    raise NotImplementedError  # being written: roll import service, form and page
