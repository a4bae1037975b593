"""The county's download of a village's preparation file, for the township administrator."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import permissions
from portal.http import show_service_error
from portal.permissions import Capability
from portal.signing import SigningKeyError
from ratings.preparation import services


@login_required
@require_POST
def village_prepare(request, code):
    """Township administrators of the village's township: the signed file for its laptop (POST: making
    one is audited). Another village is a 404."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_MEETINGS, code)
    try:
        name, data = services.village_prepare(village=village, by=request.user)
    except SigningKeyError:
        messages.error(
            request, _("This server has no signing key yet: run `manage.py signing_key --create`.")
        )
    except ValidationError as error:
        show_service_error(request, error)
    else:
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return redirect("staff:venue-keys", code=village.code)
