"""What the meeting control page shows of the ballot, beside the attendance and the quorum."""

from meetings.models import Meeting
from ratings.ballot import services
from ratings.ballot.reconciliation import reconciliation_of
from ratings.models import PollBookEntry


def control_panel(meeting: Meeting, residents) -> dict:
    """What the meeting control page shows of the ballot: the reconciliation of codes and ballots with
    the people signed in, the poll book, who holds a code.

    The poll book says who received a code, never which one nor when; the counts say how many codes
    are unused, used or voided, never which.
    """
    poll_book = PollBookEntry.objects.of_meeting(meeting)
    return {
        "issuing": services.codes_issuing(meeting),
        "terminals_open": not meeting.is_closed,
        "reconciliation": reconciliation_of(meeting),
        "poll_book": poll_book.by_name(),
        "code_holders": poll_book.holders_among(residents) if residents else set(),
    }
