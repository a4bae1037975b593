"""Township administrators grant and revoke the roles of a village's staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import permissions
from portal.forms import RoleGrantForm
from portal.models import RoleAssignment
from portal.permissions import Capability
from portal.services.roles import role_grant
from portal.services.roles import role_revoke as revoke


@login_required
def role_list(request, code):
    """Township administrators of the village's township: list, and grant with POST."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLES, code)
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        role_grant(
            user=form.cleaned_data["username"],
            role=form.cleaned_data["role"],
            village=village,
            by=request.user,
        )
        messages.success(request, _("The role has been granted."))
        return redirect("staff:roles", code=village.code)
    assignments = (
        RoleAssignment.objects.filter(village=village)
        .select_related("user")
        .order_by("role", "user__username")
    )
    status = 400 if form.is_bound else 200
    return render(
        request,
        "portal/staff/roles.html",
        {"village": village, "assignments": assignments, "form": form},
        status=status,
    )


@login_required
@require_POST
def role_revoke(request, code, pk):
    """Township administrators of the village's township; POST only."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLES, code)
    assignment = get_object_or_404(RoleAssignment.objects.select_related("user"), pk=pk, village=village)
    revoke(assignment=assignment, by=request.user)
    messages.success(request, _("The role has been revoked."))
    return redirect("staff:roles", code=village.code)
