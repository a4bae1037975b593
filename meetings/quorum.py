"""The quorum rule of the two kinds of meeting: the pure arithmetic (Quorum), and the one read that
measures a meeting against it (quorum_of), which the lifecycle, the control page and the results share.

A villagers' assembly needs more than half of the roll present; a representatives' assembly more than
two thirds of the representatives. "More than" is strict: 50 of 100 is not enough, 51 is.
"""

from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

from meetings.models import Attendance, Meeting
from portal.models import Resident

SHARE_NEEDED = {"villagers": Fraction(1, 2), "representatives": Fraction(2, 3)}


@dataclass(frozen=True)
class Quorum:
    kind: str
    base: int  # voters on the roll, or representatives on it
    present: int  # of those, how many signed in

    @property
    def required(self) -> int:
        """The smallest attendance strictly above the share needed."""
        return int(self.base * SHARE_NEEDED[self.kind]) + 1

    @property
    def met(self) -> bool:
        return self.base > 0 and self.present >= self.required

    @property
    def missing(self) -> int:
        """How many more must sign in before the quorum is met."""
        return max(0, self.required - self.present)

    @property
    def share(self) -> Fraction:
        return Fraction(self.present, self.base) if self.base else Fraction(0)


def quorum_of(meeting: Meeting) -> Quorum:
    """Present against the roll frozen at voting open (or today's roll before that).

    A villagers' assembly counts everyone signed in; a representatives' assembly only the
    representatives among them. One query once voting has opened, two before.
    """
    attending = Attendance.objects.filter(meeting=meeting)
    roll = Resident.objects.in_village(meeting.village_id).on_roll()
    if meeting.kind == Meeting.Kind.REPRESENTATIVES_ASSEMBLY:
        base = meeting.representatives_size
        if base is None:
            base = roll.representatives().count()
        present = attending.filter(resident__representative=True).count()
    else:
        base = meeting.roll_size
        if base is None:
            base = roll.count()
        present = attending.count()
    return Quorum(kind=meeting.kind, base=base, present=present)


def shortfall_warning(quorum: Quorum, *, closing: bool) -> str | None:
    """What the operator is told before opening or closing a vote below the quorum; None when it is met.

    Opening below it is no dead end yet (villagers may still sign in while voting), closing is: a meeting
    below quorum cannot publish its results.
    """
    if quorum.met:
        return None
    figures = {"present": quorum.present, "required": quorum.required}
    if closing:
        return (
            _("%(present)s present, %(required)s needed: the results of this vote cannot be published.")
            % figures
        )
    return (
        _(
            "%(present)s present, %(required)s needed: unless more sign in before voting closes, the "
            "results of this vote cannot be published."
        )
        % figures
    )
