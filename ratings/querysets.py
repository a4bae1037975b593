"""Named reads of ballot codes, the poll book and terminals.

The models do not declare these as their managers yet; until they do, `of(Model)` builds the
queryset: `of(PollBookEntry).of_meeting(meeting).by_name()`.
"""

from django.db import models


class BallotCodeQuerySet(models.QuerySet):
    def of_meeting(self, meeting):
        return self.filter(meeting=meeting)

    def counts_by_status(self) -> dict[str, int]:
        """How many codes are in each status (one GROUP BY); never which."""
        from ratings.models import BallotCode

        counts = dict.fromkeys(BallotCode.Status.values, 0)
        for row in self.order_by().values("status").annotate(n=models.Count("pk")):
            counts[row["status"]] = row["n"]
        return counts


class PollBookQuerySet(models.QuerySet):
    def of_meeting(self, meeting):
        return self.filter(meeting=meeting)

    def by_name(self):
        """Alphabetical: the order in which codes were handed out is not to be read from the list."""
        return self.select_related("resident").order_by("resident__name", "resident__pk")

    def holders_among(self, residents) -> set[int]:
        """Which of these residents have received a code (ids)."""
        return set(self.filter(resident__in=residents).values_list("resident_id", flat=True))


class TerminalQuerySet(models.QuerySet):
    def of_meeting(self, meeting):
        return self.filter(meeting=meeting)

    def armed(self):
        return self.filter(disarmed_at__isnull=True)

    def for_list(self):
        """Armed ones first, then by name; with who armed them."""
        return self.select_related("armed_by").order_by(
            models.F("disarmed_at").desc(nulls_first=True), "label", "pk"
        )


QUERYSETS = {
    "BallotCode": BallotCodeQuerySet,
    "PollBookEntry": PollBookQuerySet,
    "Terminal": TerminalQuerySet,
}


def of(model):
    """The named queryset of a ratings model, e.g. of(Terminal).of_meeting(meeting).armed()."""
    return QUERYSETS[model.__name__](model=model)
