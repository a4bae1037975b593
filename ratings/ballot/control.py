"""What the meeting control page shows of the ballot, beside the attendance and the quorum."""

from meetings.models import Meeting
from ratings.ballot import services
from ratings.ballot.reconciliation import reconciliation_of
from ratings.models import Ballot, PaperPrint, PollBookEntry


def control_panel(meeting: Meeting, residents) -> dict:
    """What the meeting control page shows of the ballot: the reconciliation of codes and ballots with
    the people signed in, the poll book, who holds a code.

    The poll book says who received a code, never which one nor when; the counts say how many codes
    are unused, used or voided, never which.
    """
    poll_book = PollBookEntry.objects.of_meeting(meeting)
    holders = poll_book.holders_among(residents) if residents else {}
    reconciliation = reconciliation_of(meeting)
    return {
        "issuing": services.codes_issuing(meeting),
        "terminals_open": not meeting.is_closed,
        "reconciliation": reconciliation,
        "poll_book": poll_book.by_name(),
        "code_holders": holders,
        "paper_holders": {resident for resident, paper in holders.items() if paper},
        "paper_issuing": meeting.status == Meeting.Status.VOTING_OPEN
        and PaperPrint.objects.filter(meeting=meeting).exists(),
        "doors": doors_of(reconciliation),
        "phones_allowed": meeting.phones_allowed,
    }


def doors_of(reconciliation) -> list[tuple[str, int]]:
    """How many ballots came in by each door, every door named even at 0."""
    phones, paper = reconciliation.phone_ballots, reconciliation.paper_ballots
    counts = {
        Ballot.Door.TERMINAL: reconciliation.ballots - phones - paper,
        Ballot.Door.PHONE: phones,
        Ballot.Door.PAPER: paper,
    }
    return [(label, counts[door]) for door, label in Ballot.Door.choices]
