"""What the staff dashboard shows of the results: objections to rule and results to publish."""

from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from meetings.models import Meeting
from portal import permissions
from portal.permissions import Capability
from ratings.models import Objection, ResultSnapshot


def results_tasks(user) -> dict:
    """The dashboard's results cards, in one query whatever the number of villages.

    The meetings of the user's moderated villages whose results are being worked on, each with its
    pending objections to results still under notice and whether the user manages its village (a
    township administrator, who publishes). Moderators get the objection count only.
    """
    managed = permissions.villages_with(user, Capability.MANAGE_MEETINGS)
    meetings = list(
        Meeting.objects.for_user(user, Capability.MODERATE)
        .results_in_progress()
        .with_place()
        .annotate(
            pending_objections=Count(
                "result_snapshots__objections",
                filter=Q(
                    result_snapshots__status=ResultSnapshot.Status.PUBLISHED,
                    result_snapshots__objections__status=Objection.Status.PENDING,
                ),
            ),
            managed=ExpressionWrapper(Q(village__in=managed), output_field=BooleanField()),
        )
        .order_by("held_at", "pk")
    )
    return {
        "objections_to_rule": sum(meeting.pending_objections for meeting in meetings),
        "results_to_publish": [meeting for meeting in meetings if meeting.managed],
    }
