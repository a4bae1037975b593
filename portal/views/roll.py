"""The voter roll of a village: browse it, and import it from a spreadsheet through a preview."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal import permissions, uploads
from portal.forms import RollImportForm, RollMappingForm
from portal.models import Resident
from portal.permissions import Capability
from portal.roll_import import (
    CHINESE_HEADERS,
    FIELD_HELP,
    FIELD_LABELS,
    FIELDS,
    MAX_ROWS,
    TEMPLATE_FIELDS,
    RollError,
    RollFileError,
    pending,
    read_header,
    too_large_message,
)
from portal.services.roll import roll_import as import_service
from portal.services.roll import roll_preview
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
@require_http_methods(["GET", "HEAD", "POST"])
def roll_import(request, code):
    """Township administrators and village moderators of the village.

    Two POSTs: the upload shows a preview (the header found, what each column holds, the first rows as
    they will be read, every problem) and keeps the file for it; the confirmation brings back the
    mapping, corrected or not, and imports. Nothing is written before the confirmation.
    """
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLL, code)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, village)
    form = RollImportForm(request.POST, request.FILES) if request.method == "POST" else RollImportForm()
    uploads.explain_cut_off(request, form, message=too_large_message())
    if not (form.is_bound and form.is_valid()):
        return _upload_page(request, village, form, status=400 if form.is_bound else 200)
    content = form.cleaned_data["file"].read()
    parsed = roll_preview(village=village, content=content, by=request.user)
    if parsed.header is None:  # the file as a whole cannot be read: nothing worth keeping
        return _upload_page(request, village, form, errors=parsed.errors, status=400)
    token = pending.keep(content, village=village, user=request.user)
    mapping_form = RollMappingForm(header=parsed.header, mapping=parsed.mapping, initial={"token": token})
    return _preview_page(request, village, parsed, mapping_form)


def _confirm(request, village):
    token = request.POST.get("token", "")
    if "cancel" in request.POST:
        pending.discard(token)
        messages.info(request, _("The import was cancelled; nothing was saved."))
        return redirect("staff:roll", code=village.code)
    try:
        content = pending.load(token, village=village, user=request.user)
        header = read_header(content)
    except (pending.PendingUploadError, RollFileError) as error:
        return _upload_page(
            request, village, RollImportForm(), errors=[RollError(None, str(error))], status=400
        )
    form = RollMappingForm(request.POST, header=header)
    if not form.is_valid():
        parsed = roll_preview(village=village, content=content, by=request.user)
        return _preview_page(request, village, parsed, form, status=400)
    mapping = form.mapping()
    if "import" in request.POST:
        result = import_service(village=village, content=content, by=request.user, mapping=mapping)
        if result.ok:
            pending.discard(token)
            messages.success(request, _imported_message(result))
            return redirect("staff:roll", code=village.code)
    parsed = roll_preview(village=village, content=content, by=request.user, mapping=mapping)
    return _preview_page(request, village, parsed, form, status=400 if parsed.errors else 200)


def _imported_message(result) -> str:
    message = _("Roll imported: %(residents)s residents, %(households)s new households.") % {
        "residents": result.residents_created,
        "households": result.households_created,
    }
    if result.left_out:
        left_out = ngettext(
            "%(count)s person under 18 was left out.",
            "%(count)s people under 18 were left out.",
            result.left_out,
        )
        message = f"{message} {left_out % {'count': result.left_out}}"
    return message


def _upload_page(request, village, form, *, errors=(), status=200):
    context = {
        "village": village,
        "form": form,
        "errors": list(errors),
        "columns": [
            (field, FIELD_LABELS[field], CHINESE_HEADERS[field], FIELD_HELP[field]) for field in FIELDS
        ],
        "max_rows": MAX_ROWS,
    }
    return render(request, "portal/staff/roll_import.html", context, status=status)


def _preview_page(request, village, parsed, form, *, status=None):
    context = {"village": village, "parsed": parsed, "form": form, "errors": parsed.errors}
    if status is None:
        status = 400 if parsed.errors else 200
    return render(request, "portal/staff/roll_import_preview.html", context, status=status)


@login_required
def roll_template(request, code):
    """Township administrators and village moderators of the village: an empty roll file to fill in.

    The header is in Chinese for a Chinese page and in English otherwise; the import reads both. The
    byte order mark makes Excel open the UTF-8 file with the right characters.
    """
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLL, code)
    chinese = get_language().startswith("zh")
    header = [CHINESE_HEADERS[field] if chinese else field for field in TEMPLATE_FIELDS]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="roll-{village.code}.csv"'
    response.write("\ufeff")
    csv.writer(response).writerow(header)
    return response
