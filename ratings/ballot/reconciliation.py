"""Never more ballots than people: the poll book's figures set beside the ballot box's.

One read for the meeting control page, for closing the vote and for publishing the results. Villagers'
ballots are set against the people signed in; the township panel never signs in (its members are not
on the village's roll) and is counted apart: its ballots cannot outnumber its codes, since every ballot
burns one.
"""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from meetings.models import Attendance, Meeting
from ratings.models import Ballot, BallotCode, DoorCount, PollBookCount, PollBookEntry, VoterGroup


@dataclass(frozen=True)
class Reconciliation:
    present: int  # people signed in
    codes_unused: int
    codes_used: int
    codes_voided: int
    villager_ballots: int  # every ballot not from the township panel
    panel_ballots: int
    phone_ballots: int = 0  # of all the ballots, those cast on villagers' phones
    paper_ballots: int = 0  # those counted from paper (the rest were cast on terminals)
    assisted: int = 0  # villagers whose ballot a helper of their choice marked: a count, never which

    @property
    def codes_issued(self) -> int:
        """Every code printed or handed out, whatever became of it."""
        return self.codes_unused + self.codes_used + self.codes_voided

    @property
    def ballots(self) -> int:
        return self.villager_ballots + self.panel_ballots

    @property
    def excess(self) -> int:
        """Villagers' ballots beyond the people signed in; 0 when the box is in order."""
        return max(self.villager_ballots - self.present, 0)

    def refusal(self) -> str | None:
        """Why the vote may not close nor its results be published, with the figures; None when they may."""
        if not self.excess:
            return None
        return _(
            "More ballots than people: %(ballots)s ballots from villagers but %(present)s people signed in "
            "(the township panel's %(panel)s ballots are counted apart; %(issued)s codes issued, %(used)s "
            "used, %(voided)s voided)."
        ) % {
            "ballots": self.villager_ballots,
            "present": self.present,
            "panel": self.panel_ballots,
            "issued": self.codes_issued,
            "used": self.codes_used,
            "voided": self.codes_voided,
        }


def _count(queryset):
    """How many rows of `queryset` belong to the meeting being read, as a scalar subquery (0 if none)."""
    counted = queryset.filter(meeting=OuterRef("pk")).order_by().values("meeting").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")), 0)


def _door(door: str):
    """Ballots that came in by `door`: on the rows while voting is open, in DoorCount once sealed."""
    sealed = DoorCount.objects.filter(meeting=OuterRef("pk"), door=door).values("ballots")
    return _count(Ballot.objects.filter(door=door)) + Coalesce(Subquery(sealed), 0)


def _assisted():
    """Villagers assisted: flagged in the poll book while voting is open, in PollBookCount once sealed."""
    sealed = PollBookCount.objects.filter(meeting=OuterRef("pk")).values("assisted")
    return _count(PollBookEntry.objects.filter(assisted=True)) + Coalesce(Subquery(sealed), 0)


def reconciliation_of(meeting: Meeting) -> Reconciliation:
    """The meeting's figures, nine counts in one query (the control page's count is pinned)."""
    codes = BallotCode.objects.all()
    ballots = Ballot.objects.all()
    panel = Q(group__kind=VoterGroup.Kind.TOWNSHIP_PANEL)
    figures = (
        Meeting.objects.filter(pk=meeting.pk)
        .values(
            present=_count(Attendance.objects.all()),
            codes_unused=_count(codes.filter(status=BallotCode.Status.ISSUED)),
            codes_used=_count(codes.filter(status=BallotCode.Status.USED)),
            codes_voided=_count(codes.filter(status=BallotCode.Status.VOIDED)),
            villager_ballots=_count(ballots.exclude(panel)),
            panel_ballots=_count(ballots.filter(panel)),
            phone_ballots=_door(Ballot.Door.PHONE),
            paper_ballots=_door(Ballot.Door.PAPER),
            assisted=_assisted(),
        )
        .get()
    )
    return Reconciliation(**figures)
