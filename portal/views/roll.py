"""The voter roll of a village: browse it and import it from a spreadsheet."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal import permissions, uploads
from portal.forms import RollImportForm
from portal.models import Resident
from portal.permissions import Capability
from portal.roll_import import CHINESE_HEADERS, FIELD_HELP, FIELDS, MAX_ROWS, too_large_message
from portal.services.roll import roll_import as import_service
from portal.tables import PagedRequestConfig, ResidentTable


@login_required
def roll_list(request, code):
    """Township administrators, village moderators and meeting operators of the village."""
    village = permissions.village_or_404(request.user, Capability.VIEW_ROLL, code)
    query = request.GET.get("q", "")
    residents = Resident.objects.in_village(village).search(query).select_related("household")
    table = ResidentTable(residents)
    PagedRequestConfig(request, per_page=50).configure(table)
    context = {
        "village": village,
        "table": table,
        "query": query,
        "can_import": permissions.has_capability(request.user, Capability.MANAGE_ROLL, village),
    }
    return render(request, "portal/staff/roll.html", context)


@login_required
def roll_import(request, code):
    """Township administrators and village moderators of the village: upload a roll file (POST)."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLL, code)
    form = RollImportForm(request.POST, request.FILES) if request.method == "POST" else RollImportForm()
    uploads.explain_cut_off(request, form, message=too_large_message())
    errors = []
    if form.is_bound and form.is_valid():
        result = import_service(village=village, content=form.cleaned_data["file"].read(), by=request.user)
        if result.ok:
            message = _("Roll imported: %(residents)s residents, %(households)s new households.") % {
                "residents": result.residents_created,
                "households": result.households_created,
            }
            messages.success(request, message)
            return redirect("staff:roll", code=village.code)
        errors = result.errors
    context = {
        "village": village,
        "form": form,
        "errors": errors,
        "columns": [(field, CHINESE_HEADERS[field], FIELD_HELP[field]) for field in FIELDS],
        "max_rows": MAX_ROWS,
    }
    return render(request, "portal/staff/roll_import.html", context, status=400 if form.is_bound else 200)


@login_required
def roll_template(request, code):
    """Township administrators and village moderators of the village: an empty roll file to fill in.

    The header is in Chinese for a Chinese page and in English otherwise; the import reads both. The
    byte order mark makes Excel open the UTF-8 file with the right characters.
    """
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLL, code)
    chinese = get_language().startswith("zh")
    header = [CHINESE_HEADERS[field] if chinese else field for field in FIELDS]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="roll-{village.code}.csv"'
    response.write("\ufeff")
    csv.writer(response).writerow(header)
    return response
