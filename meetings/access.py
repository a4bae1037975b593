"""The accessors of the meetings app's objects for a signed-in user: another village's object is a 404.

Each is `get_<thing>_for_user_or_404(user, pk, capability)`, over `Thing.objects.for_user(user, capability)`
(portal.permissions.VillageScopedQuerySet), with what the staff pages of that thing read alongside.
"""

from meetings.models import Meeting
from portal.permissions import get_for_user_or_404


def get_meeting_for_user_or_404(user, pk, capability: str) -> Meeting:
    """A meeting of a village where the user holds the capability, drafts included."""
    return get_for_user_or_404(Meeting.objects.with_place().select_related("scheme"), user, capability, pk=pk)
