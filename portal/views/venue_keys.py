"""Township administrators register and revoke the keys of a village's venue laptops, and prepare a
laptop for the village (the download itself is ratings.preparation's)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import permissions
from portal.forms import VenueKeyForm
from portal.http import show_service_error
from portal.models import VenueKey
from portal.permissions import Capability
from portal.services import venue_keys


@login_required
@require_http_methods(["GET", "POST"])
def key_list(request, code):
    """Township administrators of the village's township: the village's laptop keys, and registering
    one with POST. Another village is a 404."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_MEETINGS, code)
    form = VenueKeyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                key = venue_keys.venue_key_register(
                    village=village,
                    public_key=form.cleaned_data["public_key"],
                    label=form.cleaned_data["label"],
                    by=request.user,
                )
            except ValidationError as error:
                show_service_error(request, error, form=form, field="public_key")
            else:
                messages.success(
                    request,
                    _("The key is registered. Its fingerprint: %(fingerprint)s")
                    % {"fingerprint": key.fingerprint},
                )
                return redirect("staff:venue-keys", code=village.code)
    keys = VenueKey.objects.in_village(village).select_related("registered_by", "revoked_by")
    return render(
        request,
        "portal/staff/venue_keys.html",
        {"village": village, "keys": keys, "form": form},
        status=status,
    )


@login_required
@require_POST
def key_revoke(request, code, pk):
    """Township administrators of the village's township: stop accepting bundles signed with the key."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_MEETINGS, code)
    key = get_object_or_404(VenueKey.objects.select_related("village"), pk=pk, village=village)
    try:
        venue_keys.venue_key_revoke(key=key, by=request.user)
    except ValidationError as error:
        show_service_error(request, error)
        return redirect("staff:venue-keys", code=village.code)
    messages.success(request, _("The key is revoked: bundles signed with it are refused from now on."))
    return redirect("staff:venue-keys", code=village.code)
