"""The ballot a villager is filling in on a terminal, kept in the server-side session until cast.

Nothing of it is ever put in a page's hidden fields or a URL: the next villager at the same terminal
could find it with Back. It belongs to one terminal and one meeting; the session is flushed when the
ballot is cast or abandoned (ratings.ballot.views.kiosk).

It also records the terminal's count of clears when it began (`clears`): a clear (by the operator,
the idle question, or the server finding the terminal silent) counts one more on the terminal, and a
ballot of an older count is dropped on its next request (ratings.ballot.services.terminal_report).
That rule needs nothing of where the ballot is kept, only the number it carries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.conf import settings

SESSION_KEY = "kiosk_ballot"
OVERALL = "overall"
TEXT_SIZES = ("normal", "large")


def line_key(criterion) -> str:
    """How a line of the ballot is named in the session and in the form: a criterion's id or "overall"."""
    return OVERALL if criterion is None else str(criterion.pk)


@dataclass
class KioskBallot:
    terminal: int
    meeting: int
    language: str
    text_size: str
    clears: int = 0
    code: str = ""
    # cadre id → line key → grade id (keys are strings: the session is JSON)
    grades: dict[str, dict[str, int]] = field(default_factory=dict)
    households: list[int] = field(default_factory=list)

    @classmethod
    def load(cls, session, terminal) -> KioskBallot | None:
        """The ballot in progress on this terminal, or None (also for one begun for another meeting)."""
        data = session.get(SESSION_KEY)
        if not isinstance(data, dict):
            return None
        try:
            ballot = cls(**data)
        except TypeError:
            return None
        if ballot.terminal != terminal.pk or ballot.meeting != terminal.meeting_id:
            return None
        return ballot

    def save(self, session) -> None:
        session[SESSION_KEY] = asdict(self)
        # A ballot left alone this long is gone on the server too, for a browser whose script did not run.
        session.set_expiry(settings.KIOSK_ABANDONED_SECONDS)

    def grades_of(self, cadre_id: int) -> dict[str, int]:
        return dict(self.grades.get(str(cadre_id), {}))

    def set_grades(self, cadre_id: int, chosen: dict[str, int]) -> None:
        self.grades[str(cadre_id)] = dict(chosen)

    def is_graded(self, cadre_id: int, lines: list[str]) -> bool:
        return set(self.grades_of(cadre_id)) >= set(lines)

    def first_ungraded(self, cadre_ids: list[int], lines: list[str]) -> int | None:
        """The position (1-based) of the first cadre not graded on every line, or None."""
        for position, cadre_id in enumerate(cadre_ids, start=1):
            if not self.is_graded(cadre_id, lines):
                return position
        return None

    def for_casting(self, cadre_ids: list[int], lines: list[str]) -> dict[tuple[int, int | None], int]:
        """The grades as ratings.ballot.services.ballot_cast takes them."""
        return {
            (cadre_id, None if line == OVERALL else int(line)): self.grades_of(cadre_id)[line]
            for cadre_id in cadre_ids
            for line in lines
        }
