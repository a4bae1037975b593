"""The hall view: the count on the spot, projected for the villagers once voting has closed.

Who runs the meeting opens it (portal.permissions PROJECT_COUNT: the village's meeting operators and
moderators, the township's administrators); any other village's meeting is a 404, an anonymous visitor
goes to the login page. Read only. The screens are plain links (?slide=N, 1 the turnout) that
static/ratings/js/hall.js turns into steps without a reload; a meeting still voting, or annulled, is a
409 that says so.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from meetings.access import get_meeting_for_user_or_404
from portal import permissions
from portal.params import int_param
from portal.permissions import Capability
from ratings.results.hall import hall_of, hall_open

CONFLICT = 409


def _way_out(user, meeting) -> str:
    """Back to the page the user came from: the results review, or the meeting control for operators."""
    if permissions.has_capability(user, Capability.MODERATE, meeting.village):
        return reverse("ratings:staff-results", args=[meeting.pk])
    return reverse("meetings:staff-meeting", args=[meeting.pk])


@login_required
@require_safe
def hall_page(request, pk):
    """Operators, moderators and township administrators of the village: the turnout, then each cadre."""
    meeting = get_meeting_for_user_or_404(request.user, pk, Capability.PROJECT_COUNT)
    context = {"meeting": meeting, "way_out": _way_out(request.user, meeting)}
    if not hall_open(meeting):
        return render(request, "ratings/results/hall.html", context, status=CONFLICT)
    hall = hall_of(meeting)
    slide = int_param(request, "slide", low=1, high=hall.screens, default=1)
    return render(request, "ratings/results/hall.html", {**context, "hall": hall, "slide": slide})
