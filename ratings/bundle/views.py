"""The staff's pages of the bundle: download a meeting's (venue), upload one to import (county)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from meetings.access import get_meeting_for_user_or_404
from portal.http import show_service_error
from portal.permissions import Capability, has_any_capability
from portal.signing import SigningKeyError
from portal.uploads import accepts_uploads_of, explain_cut_off
from ratings.bundle import services
from ratings.bundle.forms import BundleUploadForm


@login_required
@require_POST
def bundle_download(request, pk):
    """Township administrators and the village's operators: the meeting's signed bundle (POST: an export
    is numbered and audited)."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.OPERATE_MEETING)
    try:
        name, data = services.meeting_export(meeting=meeting, by=request.user)
    except SigningKeyError:
        messages.error(
            request, _("This server has no signing key yet: run `manage.py signing_key --create`.")
        )
        return redirect(meeting.get_absolute_url())
    except ValidationError as error:
        show_service_error(request, error)
        return redirect(meeting.get_absolute_url())
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@accepts_uploads_of("BUNDLE_MAX_BYTES")
@login_required
@require_http_methods(["GET", "POST"])
def bundle_import(request):
    """Township administrators: upload a bundle; it is imported only for a village they administer."""
    if not has_any_capability(request.user, Capability.MANAGE_MEETINGS):
        raise PermissionDenied
    form = BundleUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        # A bundle carries the reports' photos: past twice the site's upload limit it would be cut off
        # unread without this view's own limit (accepts_uploads_of), and then the form says why.
        explain_cut_off(
            request, form, field="bundle", message=_("The file is larger than a meeting bundle may be.")
        )
        if form.is_valid():
            try:
                outcome = services.meeting_import(data=form.cleaned_data["bundle"].read(), by=request.user)
            except ValidationError as error:
                show_service_error(request, error, form=form, field="bundle")
            else:
                text = (
                    _("Version %(version)s of %(meeting)s is imported.")
                    if outcome.created
                    else _("Version %(version)s of %(meeting)s was already imported: nothing changed.")
                )
                messages.success(request, text % {"version": outcome.version, "meeting": outcome.meeting})
                return redirect("ratings:bundle-import")
    return render(request, "ratings/bundle/import.html", {"form": form}, status=status)
