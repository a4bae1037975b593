"""The staff landing page: what this account may do, and where."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal import permissions
from portal.models import RoleAssignment
from portal.permissions import Capability
from ratings.closure.certificate import drafts_to_confirm
from ratings.results.dashboard import results_tasks


@login_required
def dashboard(request):
    """Any signed-in account: its roles and the villages each one reaches."""
    user = request.user
    assignments = list(RoleAssignment.objects.for_user(user).select_related("township", "village"))
    can = permissions.capabilities_somewhere(user, assignments)
    role_villages = permissions.villages_with(user, Capability.MANAGE_ROLES).select_related("township")
    context = {
        "assignments": assignments,
        "is_cadre": Capability.WRITE_OWN_CONTENT in can and not user.is_superuser,
        "can_moderate": Capability.MODERATE in can,
        "can_operate": Capability.OPERATE_MEETING in can,
        "can_view_audit": Capability.VIEW_AUDIT in can,
        "roll_villages": permissions.villages_with(user, Capability.VIEW_ROLL).select_related("township"),
        "role_villages": role_villages,
        # Laptop keys are the township administrators' too (MANAGE_MEETINGS, the same role): the same
        # villages, read once.
        "laptop_villages": role_villages,
        # Households' evaluations: each village's proposals, the township's register, the queues.
        "evaluation_villages": permissions.villages_with(
            user, Capability.VIEW_HOUSEHOLD_EVALUATIONS
        ).select_related("township"),
        "evaluation_townships": permissions.townships_with(user, Capability.VIEW_HOUSEHOLD_EVALUATIONS),
        "can_check_households": Capability.CHECK_HOUSEHOLDS in can,
        "can_decide_households": Capability.DECIDE_HOUSEHOLDS in can,
        "can_view_visits": Capability.VIEW_VISITS in can,
        # Closure certificates this account signs as a scrutineer or as the committee's chair.
        "certificates_to_confirm": drafts_to_confirm(user),
    }
    if context["can_moderate"]:
        # Objections to rule (moderators) and results to publish (township administrators): one query.
        context.update(results_tasks(user))
    return render(request, "portal/staff/dashboard.html", context)
