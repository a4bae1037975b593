"""What the staff dashboard shows of the results: objections to rule, results to publish, and the
meetings whose honor roll and results a moderator reviews."""

from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from meetings.models import Meeting
from portal import permissions
from portal.permissions import Capability
from ratings.models import HonorCandidate, Objection, ResultSnapshot


def results_tasks(user) -> dict:
    """The dashboard's results cards, in one query whatever the number of villages.

    The meetings of the user's moderated villages whose honor roll or results are being worked on
    (from the announcement until final), each with its honor roll candidates awaiting review, its
    pending objections to results still under notice, and whether the user manages its village (a
    township administrator, who publishes). The two counts join two lists: each is counted distinct.
    """
    managed = permissions.villages_with(user, Capability.MANAGE_MEETINGS)
    meetings = list(
        Meeting.objects.for_user(user, Capability.MODERATE)
        .honor_roll_in_progress()
        .with_place()
        .annotate(
            pending_objections=Count(
                "result_snapshots__objections",
                filter=Q(
                    result_snapshots__status=ResultSnapshot.Status.PUBLISHED,
                    result_snapshots__objections__status=Objection.Status.PENDING,
                ),
                distinct=True,
            ),
            honor_to_review=Count(
                "honor_candidates",
                filter=Q(honor_candidates__status=HonorCandidate.Status.PENDING),
                distinct=True,
            ),
            managed=ExpressionWrapper(Q(village__in=managed), output_field=BooleanField()),
        )
        .order_by("held_at", "pk")
    )
    return {
        "objections_to_rule": sum(meeting.pending_objections for meeting in meetings),
        "results_to_publish": [
            meeting for meeting in meetings if meeting.managed and meeting.results_in_progress
        ],
        "moderated_meetings": meetings,
    }
