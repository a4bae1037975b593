"""What may be published of a meeting's count: the k rule, written once (standard library only).

The tally applies it to what a snapshot publishes, the pages to what they show of a snapshot (older
ones included), and the recount (ratings/recount.py) checks that it was applied. k is the scheme's
`min_cell` (5 by default).

- Every ballot grades every line, so a cell of the breakdown by criterion holds all the meeting's
  ballots, and a cell of the breakdown by voter group all that group's ballots. The rule is therefore
  about ballot counts: the meeting's and each group's.
- A meeting with fewer than k ballots in all publishes no figure about any cadre (no histogram,
  score, verdict or rank), and no nomination count: only how many ballots there were, the turnout
  and why nothing more is shown.
- A voter group with fewer than k ballots (but some) is neither shown nor weighted apart: its
  ballots are pooled into the largest group (most ballots; on a tie the first by name) and counted
  there, under that group's weight. If the largest group is itself under k, every group is, and all
  pool into it: its total is the meeting's, at least k. So every group that is published holds at
  least k ballots.

Why per-group ballot counts may still be published (turnout by group, a poll-book fact): every
published figure is computed from the pooled histograms, so it is the same for any split of those
histograms between the small group and the group it joined; knowing how many ballots each side cast
does not tell which grades were theirs. tests/ratings/results/test_secrecy.py casts two different
panel ballot sets with the same pooled histograms and finds every public page and file identical.

What the rule cannot hide, like any count announced at the venue: a unanimous cell says how each of
its voters graded.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Counts = Mapping[tuple[Any, str, str, str], int]


@dataclass(frozen=True)
class Disclosure:
    k: int
    ballots: int
    # A group of fewer than k ballots → the group its ballots are counted under.
    pooled: Mapping[str, str] = field(default_factory=dict)

    @property
    def figures_shown(self) -> bool:
        """Whether any per-cadre figure may be published: the meeting holds at least k ballots."""
        return self.ballots >= self.k

    def group_of(self, group: str) -> str:
        """The group a ballot of `group` is published under."""
        return self.pooled.get(group, group)

    def as_json(self) -> dict:
        return {"k": self.k, "figures_shown": self.figures_shown, "pooled": dict(sorted(self.pooled.items()))}


def decide(ballots_by_group: Mapping[str, int], k: int) -> Disclosure:
    """The rule applied to how many ballots each voter group cast."""
    cast = {group: n for group, n in ballots_by_group.items() if n > 0}
    ballots = sum(cast.values())
    if ballots < k or not cast:
        return Disclosure(k=k, ballots=ballots)
    largest = min(cast, key=lambda group: (-cast[group], group))
    pooled = {group: largest for group, n in cast.items() if n < k and group != largest}
    return Disclosure(k=k, ballots=ballots, pooled=pooled)


def disclosed_counts(counts: Counts, disclosure: Disclosure) -> dict[tuple[Any, str, str, str], int]:
    """The histograms as they may be published: small groups pooled; nothing below k in all."""
    if not disclosure.figures_shown:
        return {}
    disclosed: Counter = Counter()
    for (cadre, criterion, group, grade), n in counts.items():
        disclosed[(cadre, criterion, disclosure.group_of(group), grade)] += n
    return dict(disclosed)


def disclosed_ballots(ballots_by_group: Mapping[str, int], disclosure: Disclosure) -> dict[str, int]:
    """Ballots per published group: what every cadre-criterion column of that group must sum to."""
    if not disclosure.figures_shown:
        return {}
    disclosed: Counter = Counter()
    for group, n in ballots_by_group.items():
        if n > 0:
            disclosed[disclosure.group_of(group)] += n
    return dict(sorted(disclosed.items()))


def column_sums(counts: Counts) -> dict[tuple[Any, str, str], int]:
    """(cadre, criterion, group) → ballots in that column: the left side of the consistency rule."""
    sums: Counter = Counter()
    for (cadre, criterion, group, _grade), n in counts.items():
        sums[(cadre, criterion, group)] += n
    return dict(sums)
