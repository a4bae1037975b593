"""Named reads of meetings, reports, questions and commitments."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal import permissions
from portal.permissions import Capability, VillageScopedQuerySet


class MeetingQuerySet(VillageScopedQuerySet):
    def in_village(self, village):
        return self.filter(village=village)

    def in_township(self, township):
        return self.filter(village__township=township)

    def public(self):
        """Meetings the public may see: everything past the draft."""
        return self.exclude(status="draft")

    def upcoming(self):
        """Announced meetings still to be held: once the vote opens a meeting is no longer to come,
        even on its day before the hour set."""
        return self.filter(status="announced", held_at__gte=timezone.now()).order_by("held_at")

    def recent(self):
        """Public meetings held, and those whose vote has opened, on their day before the hour set."""
        started = ~Q(status__in=["announced", "annulled"])
        return self.public().filter(Q(held_at__lt=timezone.now()) | started).order_by("-held_at")

    def for_year(self, year: int):
        return self.filter(year=year)

    def live(self):
        return self.exclude(status="annulled")

    def not_closed(self):
        """Meetings that are neither final nor annulled (Meeting.is_closed in one query)."""
        return self.exclude(status__in=self.model.CLOSED)

    def results_published(self):
        """Meetings whose results are out: under public notice, or final."""
        return self.filter(status__in=("under_notice", "final"))

    def results_in_progress(self):
        """Meetings whose results are being worked on: voting closed, or under public notice."""
        return self.filter(status__in=self.model.RESULTS_IN_PROGRESS)

    def honor_roll_in_progress(self):
        """Meetings whose honor roll is being worked on: from the announcement until final."""
        return self.filter(status__in=self.model.HONOR_ROLL_IN_PROGRESS)

    def visible_to(self, user):
        """The public meetings, and the drafts the user may preview (their operators and administrators)."""
        if not user.is_authenticated:
            return self.public()
        return self.filter(
            ~Q(status="draft") | Q(village__in=permissions.villages_with(user, Capability.OPERATE_MEETING))
        )

    def previous_of(self, meeting):
        """The same village's public, live meeting of the year before, if any."""
        return self.public().live().in_village(meeting.village_id).for_year(meeting.year - 1)

    def with_place(self):
        return self.select_related("village__township")


class WorkReportQuerySet(VillageScopedQuerySet):
    village_path = "meeting__village"

    def published(self):
        return self.filter(status="published")

    def versions_of(self, pk):
        """The language versions of the report `pk`, itself included: the same cadre's reports at the
        same meeting."""
        return self.filter(meeting__reports__pk=pk, cadre__reports__pk=pk)

    def of_cadre_user(self, user):
        """Reports of the cadre record linked to this account: a cadre's own content."""
        return self.filter(cadre__user=user) if user.is_authenticated else self.none()

    def awaiting_moderation(self):
        """Submitted reports, and published ones with an edit held for the moderator."""
        return self.filter(
            Q(status="submitted")
            | Q(status="published", proposed_sections__isnull=False, proposal_returned=False)
        )

    def readable_by(self, user):
        """Published reports, and unpublished ones to preview: the cadre's own, and their moderators'."""
        if not user.is_authenticated:
            return self.published()
        return self.filter(
            Q(status="published")
            | Q(cadre__user=user)
            | Q(meeting__village__in=permissions.villages_with(user, Capability.MODERATE))
        )


class QuestionQuerySet(VillageScopedQuerySet):
    village_path = "meeting__village"

    def shown_publicly(self):
        """Approved questions, and hidden ones, which keep their place with a note."""
        return self.exclude(status="pending")

    def pending(self):
        return self.filter(status="pending")

    def addressed_to(self, user):
        """Questions to the user's own cadre record, while the user holds the cadre role there."""
        return self.filter(cadre__user=user).for_user(user, Capability.WRITE_OWN_CONTENT)

    def to_answer_by(self, user):
        return (
            self.filter(cadre__user=user, status="approved", answer="")
            if user.is_authenticated
            else self.none()
        )


class CommitmentQuerySet(VillageScopedQuerySet):
    village_path = "meeting__village"

    def in_village(self, village):
        return self.filter(meeting__village=village)

    def owned_by_user(self, user):
        return self.filter(owner__user=user) if user.is_authenticated else self.none()

    def public(self):
        """Commitments of meetings the public may see (a draft has none; this keeps it so)."""
        return self.exclude(meeting__status="draft")

    def manageable_by(self, user):
        """The commitments the user may update: the own ones as a cadre, every one where a moderator.

        The one statement of that rule; `meetings.questions.services.may_manage_commitment` asks it.
        """
        own = self.owned_by_user(user).for_user(user, Capability.WRITE_OWN_CONTENT)
        return self.for_user(user, Capability.MODERATE) | own

    def overdue(self):
        return self.exclude(status="done").filter(due_date__lt=timezone.localdate())

    def from_meeting(self, meeting):
        return self.filter(meeting=meeting)


# ——— cadres' visits to paired households (meetings.visits) ———


class TownshipListQuerySet(models.QuerySet):
    """A township's list (policies, kinds of measures)."""

    def of_township(self, township):
        return self.filter(township=township)

    def offered(self):
        return self.filter(active=True)


class PairingQuerySet(VillageScopedQuerySet):
    village_path = "household__village"

    def active_on(self, day):
        return self.filter(Q(end__isnull=True) | Q(end__gte=day), start__lte=day)

    def overlapping(self, first, last):
        """Pairings in force on at least one day from `first` to `last`."""
        return self.filter(Q(end__isnull=True) | Q(end__gte=first), start__lte=last)

    def of_cadre_user(self, user):
        """Pairings of the cadre record linked to this account, while it holds the cadre role there."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(cadre__user=user).for_user(user, Capability.WRITE_OWN_CONTENT)


class VisitQuerySet(VillageScopedQuerySet):
    village_path = "household__village"

    def in_year(self, year: int):
        return self.filter(date__year=year)

    def between(self, first, last):
        return self.filter(date__gte=first, date__lte=last)

    def of_cadre(self, cadre):
        return self.filter(cadre=cadre)

    def disputed(self):
        """Visits the household said did not happen."""
        return self.filter(disputed_at__isnull=False)

    def counted(self):
        """Visits that count: those the household has not said did not happen."""
        return self.filter(disputed_at__isnull=True)


class HouseholdProblemQuerySet(VillageScopedQuerySet):
    village_path = "household__village"

    def open(self):
        return self.filter(status="open")

    def solved(self):
        return self.filter(status="solved")

    def open_since_before(self, day):
        """Open problems raised before the day: open for long."""
        return self.open().filter(raised_on__lt=day)


class RiskFlagQuerySet(VillageScopedQuerySet):
    village_path = "household__village"

    def open(self):
        return self.filter(status="open")

    def visible_to(self, user):
        """Flags the user may read: those of households the user's cadre is (or was) paired with, and
        those of villages where the user manages visits or works on the households' evaluations."""
        if not user.is_authenticated:
            return self.none()
        own = self.filter(household__pairings__cadre__user=user).for_user(user, Capability.WRITE_OWN_CONTENT)
        villages = (
            permissions.villages_with(user, Capability.MANAGE_VISITS)
            | permissions.villages_with(user, Capability.PROPOSE_HOUSEHOLDS)
            | permissions.villages_with(user, Capability.VIEW_HOUSEHOLD_EVALUATIONS)
        )
        return self.filter(Q(pk__in=own.values("pk")) | Q(household__village__in=villages.values("pk")))


class MeasureQuerySet(VillageScopedQuerySet):
    village_path = "flag__household__village"

    def pending(self):
        return self.filter(done_at__isnull=True)

    def overdue(self, today):
        return self.pending().filter(due_date__lt=today, flag__status="open")
