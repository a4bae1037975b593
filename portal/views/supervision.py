"""Township administrators appoint the village's supervision committee and its chair."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import permissions
from portal.forms import SupervisionMemberForm
from portal.http import show_service_error
from portal.models import SupervisionMember
from portal.permissions import Capability
from portal.services import supervision

CONFLICT = 409


@login_required
@require_http_methods(["GET", "POST"])
def committee(request, code):
    """Township administrators of the village's township: the committee, and appointing with POST."""
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLES, code)
    form = SupervisionMemberForm(request.POST or None, village=village)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                member = supervision.supervision_member_add(
                    village=village,
                    resident=form.cleaned_data["resident"],
                    chair=form.cleaned_data["chair"],
                    user=form.cleaned_data["username"],
                    by=request.user,
                )
            except ValidationError as error:
                show_service_error(request, error, form=form)
                status = CONFLICT
            else:
                messages.success(
                    request, _("%(name)s is appointed to the supervision committee.") % {"name": member.name}
                )
                return redirect("staff:supervision", code=village.code)
    members = SupervisionMember.objects.filter(village=village).select_related("resident__household", "user")
    return render(
        request,
        "portal/staff/supervision.html",
        {"village": village, "members": members, "form": form},
        status=status,
    )


def _member_or_404(request, code, pk) -> SupervisionMember:
    village = permissions.village_or_404(request.user, Capability.MANAGE_ROLES, code)
    return get_object_or_404(
        SupervisionMember.objects.select_related("resident", "village"), pk=pk, village=village
    )


@login_required
@require_POST
def committee_chair(request, code, pk):
    """Township administrators of the village's township: make a member the chair (POST)."""
    member = _member_or_404(request, code, pk)
    supervision.supervision_chair_set(member=member, by=request.user)
    messages.success(request, _("%(name)s chairs the supervision committee.") % {"name": member.name})
    return redirect("staff:supervision", code=code)


@login_required
@require_POST
def committee_remove(request, code, pk):
    """Township administrators of the village's township: remove a member (POST)."""
    member = _member_or_404(request, code, pk)
    supervision.supervision_member_remove(member=member, by=request.user)
    messages.success(request, _("%(name)s has left the supervision committee.") % {"name": member.name})
    return redirect("staff:supervision", code=code)
