"""What the projector in the hall shows once voting has closed: the count on the spot (当场计票、当场公布).

The first screen is the turnout against the roll and the quorum, read as the meeting control reads them
(meetings.quorum, ratings.ballot.reconciliation); then one screen per cadre, read from the latest results
snapshot by the helpers the public results page uses (ratings.results.display), so that what the hall
saw is what the notice board will say. The hall is a public place: the k rule holds as on the public
page, and results that cannot be published (below quorum) show no cadre at all.
"""

from dataclasses import dataclass

from meetings.models import Meeting
from meetings.quorum import Quorum, quorum_of
from ratings.ballot.control import doors_of
from ratings.ballot.reconciliation import Reconciliation, reconciliation_of
from ratings.models import ResultSnapshot
from ratings.paper.sheets import paper_pending
from ratings.results import display

# Where the count stands, as the turnout screen says it.
BELOW_QUORUM = "below_quorum"  # nothing about any cadre can be published
COUNTING = "counting"  # no draft yet, or ballots went into the box after it was computed
WITHHELD = "withheld"  # fewer than k ballots (or an older snapshot the k rule now withholds)
SHOWN = "shown"

SHOWN_IN = {Meeting.Status.VOTING_CLOSED, Meeting.Status.UNDER_NOTICE, Meeting.Status.FINAL}


def hall_open(meeting: Meeting) -> bool:
    """The hall shows a meeting from the close of the vote; an annulled one has nothing to show."""
    return meeting.status in SHOWN_IN


@dataclass(frozen=True)
class Hall:
    meeting: Meeting
    quorum: Quorum
    reconciliation: Reconciliation
    stage: str
    snapshot: ResultSnapshot | None
    cadres: list[dict]  # display.cadre_sections of the snapshot, in rank order; empty unless SHOWN

    @property
    def doors(self) -> list[tuple[str, int]]:
        return doors_of(self.reconciliation)

    @property
    def grades(self) -> list[dict]:
        return self.snapshot.data["scheme"]["grades"] if self.snapshot else []

    @property
    def withheld(self) -> str | None:
        """Why the k rule shows no cadre (display.BELOW_K, display.LEGACY_SMALL_GROUP), or None."""
        return display.figures_withheld(self.snapshot.data) if self.stage == WITHHELD else None

    @property
    def k(self) -> int | None:
        return display.disclosure_of(self.snapshot.data).k if self.snapshot else None

    @property
    def screens(self) -> int:
        return 1 + len(self.cadres)


def _stage(meeting: Meeting, quorum: Quorum, reconciliation: Reconciliation, snapshot) -> str:
    if not quorum.met:
        return BELOW_QUORUM
    # A draft computed before the paper count closed, or before its ballots went in, is not the count.
    if snapshot is None or snapshot.ballots != reconciliation.ballots or paper_pending(meeting):
        return COUNTING
    if display.figures_withheld(snapshot.data):
        return WITHHELD
    return SHOWN


def hall_of(meeting: Meeting) -> Hall:
    """The hall's screens of a meeting whose voting has closed (hall_open)."""
    quorum = quorum_of(meeting)
    reconciliation = reconciliation_of(meeting)
    snapshot = ResultSnapshot.objects.of_meeting(meeting).standing().first()
    stage = _stage(meeting, quorum, reconciliation, snapshot)
    return Hall(
        meeting=meeting,
        quorum=quorum,
        reconciliation=reconciliation,
        stage=stage,
        snapshot=snapshot,
        cadres=display.cadre_sections(snapshot.data) if stage == SHOWN else [],
    )
