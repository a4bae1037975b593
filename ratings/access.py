"""The accessors of the ratings app's objects for a signed-in user: another village's object is a 404.

Each is `get_<thing>_for_user_or_404(user, pk, capability)`, over `Thing.objects.for_user(user, capability)`
(portal.permissions.VillageScopedQuerySet), with what the staff pages of that thing read alongside.
Meetings have theirs in meetings.access. A user who reaches the object but lacks a further capability
for an action gets a 403 from `portal.permissions.ensure`, in the view and again in the service.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from meetings.models import Meeting, RiskFlag
from portal.models import Household, Township
from portal.permissions import Capability, get_for_user_or_404, townships_with, villages_with
from ratings.models import (
    HonorCandidate,
    HouseholdProposal,
    Objection,
    RatingScheme,
    ResultSnapshot,
    Scrutineer,
    SpokenClip,
    Terminal,
)


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


def get_scrutineer_for_user_or_404(user, pk, capability: str) -> Scrutineer:
    """A scrutineer named for a meeting in a village where the user holds the capability."""
    return get_for_user_or_404(
        Scrutineer.objects.select_related("meeting__village", "resident"), user, capability, pk=pk
    )


def get_certificate_meeting_or_404(user, pk) -> Meeting:
    """A meeting whose closure certificate the user may read: its village's operators, moderators and
    township administrators, and the people who sign it with their accounts (its scrutineers, the
    members of the village's supervision committee)."""
    staff = villages_with(user, Capability.OPERATE_MEETING) | villages_with(user, Capability.MODERATE)
    signs = Q(scrutineers__user=user) | Q(village__supervision_members__user=user)
    meetings = Meeting.objects.with_place().filter(Q(village__in=staff) | signs).distinct()
    return get_object_or_404(meetings, pk=pk)


def get_speech_meeting_or_404(user, pk) -> Meeting:
    """A meeting whose spoken ballot the user may hear and work on: its village's operators (who
    record) and moderators (who approve)."""
    staff = villages_with(user, Capability.OPERATE_MEETING) | villages_with(user, Capability.MODERATE)
    return get_object_or_404(Meeting.objects.with_place().filter(village__in=staff), pk=pk)


def get_spoken_clip_for_user_or_404(user, pk, capability: str) -> SpokenClip:
    return get_for_user_or_404(SpokenClip.objects.select_related("meeting__village"), user, capability, pk=pk)


def get_scheme_for_user_or_404(user, pk) -> RatingScheme:
    """A rating scheme of a township the user administers, or a county preset; another township's is
    a 404 (RatingScheme.objects.for_user)."""
    return get_object_or_404(RatingScheme.objects.for_user(user).select_related("township"), pk=pk)


def get_household_proposal_for_user_or_404(user, pk, capability: str) -> HouseholdProposal:
    """A household's evaluation proposal of a village where the user holds the capability."""
    return get_for_user_or_404(HouseholdProposal.objects.with_place(), user, capability, pk=pk)


def get_household_for_user_or_404(user, pk, capability: str, *, village) -> Household:
    """A household of the village (already reached by the user for the capability); another village's
    household is a 404 even by its own number."""
    villages = villages_with(user, capability).filter(pk=village.pk)
    return get_object_or_404(Household.objects.filter(village__in=villages).select_related("village"), pk=pk)


def get_township_for_user_or_404(user, code: str, capability: str) -> Township:
    """A township over which the user holds the capability by a township's role."""
    return get_object_or_404(townships_with(user, capability), code=code)


def get_open_risk_flag_for_user_or_404(user, pk, capability: str) -> RiskFlag:
    """An open risk flag (meetings.monitoring) of a household of a village where the user holds the
    capability; a closed one, or another village's, is a 404."""
    flags = RiskFlag.objects.open().select_related("household__village", "visit")
    return get_for_user_or_404(flags, user, capability, pk=pk)
