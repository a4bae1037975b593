"""The accessors of the ratings app's objects for a signed-in user: another village's object is a 404.

Each is `get_<thing>_for_user_or_404(user, pk, capability)`, over `Thing.objects.for_user(user, capability)`
(portal.permissions.VillageScopedQuerySet), with what the staff pages of that thing read alongside.
Meetings have theirs in meetings.access. A user who reaches the object but lacks a further capability
for an action gets a 403 from `portal.permissions.ensure`, in the view and again in the service.
"""

from portal.permissions import get_for_user_or_404
from ratings.models import HonorCandidate, Objection, ResultSnapshot, Terminal


def get_result_snapshot_for_user_or_404(user, pk, capability: str) -> ResultSnapshot:
    """A results snapshot, of any status, of a meeting in a village where the user holds the capability."""
    return get_for_user_or_404(ResultSnapshot.objects.with_meeting(), user, capability, pk=pk)


def get_objection_for_user_or_404(user, pk, capability: str) -> Objection:
    """An objection to the results of a village where the user holds the capability."""
    return get_for_user_or_404(
        Objection.objects.select_related("snapshot__meeting__village"), user, capability, pk=pk
    )


def get_honor_candidate_for_user_or_404(user, pk, capability: str) -> HonorCandidate:
    """An honor roll candidate of a meeting in a village where the user holds the capability."""
    return get_for_user_or_404(
        HonorCandidate.objects.select_related("household", "meeting__village__township", "meeting__scheme"),
        user,
        capability,
        pk=pk,
    )


def get_terminal_for_user_or_404(user, pk, capability: str, *, meeting_pk=None) -> Terminal:
    """A terminal of a meeting in a village where the user holds the capability; of that meeting if given."""
    lookup = {"pk": pk} if meeting_pk is None else {"pk": pk, "meeting_id": meeting_pk}
    return get_for_user_or_404(
        Terminal.objects.select_related("meeting__village"), user, capability, **lookup
    )
