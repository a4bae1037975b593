"""The quorum rule of the two kinds of meeting, as pure arithmetic.

A villagers' assembly needs more than half of the roll present; a representatives' assembly more than
two thirds of the representatives. "More than" is strict: 50 of 100 is not enough, 51 is.
"""

from dataclasses import dataclass
from fractions import Fraction

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
