"""The staff landing page: what this account may do, and where."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal import permissions
from portal.models import RoleAssignment
from portal.permissions import Capability


@login_required
def dashboard(request):
    """Any signed-in account: its roles and the villages each one reaches."""
    user = request.user
    context = {
        "assignments": RoleAssignment.objects.for_user(user).select_related("township", "village"),
        "roll_villages": permissions.villages_with(user, Capability.VIEW_ROLL).select_related("township"),
        "role_villages": permissions.villages_with(user, Capability.MANAGE_ROLES).select_related("township"),
        "can_view_audit": permissions.has_any_capability(user, Capability.VIEW_AUDIT),
    }
    return render(request, "portal/staff/dashboard.html", context)
