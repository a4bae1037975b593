"""Named reads of the ratings models: ballot codes, the poll book, terminals, results and their objections.

The models a staff page fetches for a user (terminals, results snapshots, objections, honor roll
candidates) read through `portal.permissions.VillageScopedQuerySet`: `Thing.objects.for_user(user,
capability)`, and ratings.access for one of them by its key.
"""

from django.db import models

from portal.permissions import Capability, VillageScopedQuerySet, townships_with


class RatingSchemeQuerySet(models.QuerySet):
    """A scheme belongs to a township, or is one of the county's presets (no township)."""

    def offered_to(self, township):
        """What a meeting of the township may use: its own schemes and the county's presets."""
        return self.filter(models.Q(township=township) | models.Q(township__isnull=True))

    def presets(self):
        return self.filter(township__isnull=True)

    def for_user(self, user):
        """What the scheme pages show the user: the schemes of the townships they administer and the
        presets; everything to a superuser; nothing to anyone else."""
        if user.is_superuser:
            return self.all()
        townships = townships_with(user, Capability.MANAGE_MEETINGS)
        # One query: the presets too only for someone who administers a township.
        return self.filter(models.Exists(townships)).filter(
            models.Q(township__in=townships) | models.Q(township__isnull=True)
        )


class BallotCodeQuerySet(models.QuerySet):
    def of_meeting(self, meeting):
        return self.filter(meeting=meeting)

    def counts_by_status(self) -> dict[str, int]:
        """How many codes are in each status (one GROUP BY); never which."""
        counts = dict.fromkeys(self.model.Status.values, 0)
        for row in self.order_by().values("status").annotate(n=models.Count("pk")):
            counts[row["status"]] = row["n"]
        return counts

    def not_voided(self):
        """Codes that may still be, or were, cast: what a batch's bound counts."""
        return self.exclude(status=self.model.Status.VOIDED)

    def for_panel(self):
        return self.filter(group__kind="township_panel")

    def for_roll(self):
        """Codes for the village's own voters: every group but the township panel."""
        return self.exclude(group__kind="township_panel")


# A quick-mode ballot grades each cadre overall, with no criterion: counts.csv names that line so.
OVERALL = "overall"


class BallotGradeQuerySet(models.QuerySet):
    def of_meeting(self, meeting):
        return self.filter(ballot__meeting=meeting)

    def counts_by_id(self):
        """One GROUP BY: (cadre, criterion, group, grade) ids with their ballots, for these rows."""
        rows = self.values_list("cadre_id", "criterion_id", "ballot__group_id", "grade_id")
        return rows.annotate(n=models.Count("id")).order_by()

    def counts(self) -> dict:
        """One GROUP BY: (cadre, criterion code, group kind, grade code) → ballots, for these rows."""
        rows = self.values_list("cadre_id", "criterion__code", "ballot__group__kind", "grade__code")
        counted = rows.annotate(n=models.Count("id")).order_by()
        return {(cadre, line or OVERALL, group, grade): n for cadre, line, group, grade, n in counted}


class BallotEvaluationQuerySet(models.QuerySet):
    def of_meeting(self, meeting):
        return self.filter(ballot__meeting=meeting)

    def counts_by_id(self):
        """One GROUP BY: (proposal, group, answer) with their ballots, for these rows."""
        rows = self.values_list("proposal_id", "ballot__group_id", "answer")
        return rows.annotate(n=models.Count("id")).order_by()


class PaperSheetQuerySet(models.QuerySet):
    def returned(self):
        """Sheets that came back from the box: scanned, or keyed by a clerk."""
        return self.filter(models.Q(pages__isnull=False) | models.Q(keyings__isnull=False)).distinct()


class PollBookQuerySet(models.QuerySet):
    def of_meeting(self, meeting):
        return self.filter(meeting=meeting)

    def by_name(self):
        """Alphabetical: the order in which codes were handed out is not to be read from the list."""
        return self.select_related("resident").order_by("resident__name", "resident__pk")

    def holders_among(self, residents) -> dict[int, bool]:
        """Which of these residents have received a code or a paper sheet: their ids, and whether paper."""
        return dict(self.filter(resident__in=residents).values_list("resident_id", "paper"))


class ScrutineerQuerySet(VillageScopedQuerySet):
    village_path = "meeting__village"


class TerminalQuerySet(VillageScopedQuerySet):
    village_path = "meeting__village"

    def of_meeting(self, meeting):
        return self.filter(meeting=meeting)

    def armed(self):
        return self.filter(disarmed_at__isnull=True)

    def for_list(self):
        """Armed ones first, then by name; with who armed them."""
        return self.select_related("armed_by").order_by(
            models.F("disarmed_at").desc(nulls_first=True), "label", "pk"
        )


# What may change on a results snapshot once written: where it stands in its lifecycle. What it says
# (the figures, the digest, the version) never changes; a recount writes a new snapshot.
SNAPSHOT_LIFECYCLE_FIELDS = frozenset({"status", "published_at", "notice_ends", "finalized_at"})


class ImmutableSnapshotError(Exception):
    """Raised on any attempt to change what a results snapshot says."""


class GradeCountQuerySet(models.QuerySet):
    def of_meeting(self, meeting):
        return self.filter(meeting=meeting)

    def as_counts(self) -> dict:
        """(cadre, criterion code, group kind, grade code) → ballots: what the pure core tallies."""
        fields = ("cadre_id", "criterion__code", "group__kind", "grade__code", "ballots")
        rows = self.order_by().values_list(*fields)
        return {(cadre, line or OVERALL, group, grade): n for cadre, line, group, grade, n in rows}


class EvaluationCountQuerySet(models.QuerySet):
    def of_meeting(self, meeting):
        return self.filter(meeting=meeting)

    def as_counts(self) -> dict:
        """(proposal id, group kind, answer) → ballots: what the results document tallies."""
        rows = self.order_by().values_list("proposal_id", "group__kind", "answer", "ballots")
        return {(proposal, group, answer): n for proposal, group, answer, n in rows}


class CadreStandingQuerySet(models.QuerySet):
    def live(self):
        """Standings of results under public notice or final, of meetings not annulled."""
        return self.filter(snapshot__status__in=["published", "final"]).exclude(
            snapshot__meeting__status="annulled"
        )

    def holding(self, post: str, year: int):
        return self.filter(post=post, year=year)

    def in_township(self, township):
        return self.filter(village__township=township)

    def years(self) -> list[int]:
        """The years these standings cover, newest first. The few distinct years of every standing come
        from the (year, post) index alone, then one short existence check a year: a scan of every
        standing joined to its snapshot would grow with the county."""
        every_year = self.model.objects.order_by("-year").values_list("year", flat=True).distinct()
        return [year for year in every_year if self.filter(year=year).exists()]

    def for_ordering(self):
        """What ranking the whole township or county takes (ratings/results/ranking.py): a few plain
        values a cadre, in one query."""
        return self.annotate(meeting_id=models.F("snapshot__meeting_id")).values(
            "pk", "score", "swing", "verdict", "withheld", "name", "year", "meeting_id", "village__name"
        )

    def for_ranking(self):
        """What a ranking row shows and links to, as plain values in one query (never the snapshot's
        document, and no model instances: a county's ranking reads a few hundred rows a request)."""
        return self.annotate(meeting_id=models.F("snapshot__meeting_id")).values(
            "pk",
            "cadre_id",
            "name",
            "year",
            "score",
            "swing",
            "satisfaction",
            "verdict_share",
            "graded_ballots",
            "verdict",
            "two_years",
            "withheld",
            "meeting_id",
            "cadre__name_ug",
            "village__name",
            "village__name_ug",
            "village__township__name",
            "village__township__name_ug",
        )


class ResultSnapshotQuerySet(VillageScopedQuerySet):
    village_path = "meeting__village"

    def update(self, **kwargs):
        if set(kwargs) - SNAPSHOT_LIFECYCLE_FIELDS:
            raise ImmutableSnapshotError("What a results snapshot says cannot be changed; compute a new one.")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        if set(fields) - SNAPSHOT_LIFECYCLE_FIELDS:
            raise ImmutableSnapshotError("What a results snapshot says cannot be changed; compute a new one.")
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def of_meeting(self, meeting):
        return self.filter(meeting=meeting)

    def live(self):
        """Published for the notice period, or final: what the public pages show."""
        return self.filter(status__in=["published", "final"]).exclude(meeting__status="annulled")

    def under_notice(self):
        return self.filter(status="published")

    def superseded(self):
        return self.filter(status="superseded")

    def drafts(self):
        return self.filter(status="draft")

    def standing(self):
        """The draft under review or the results published or final, latest first: the count as it
        stands, never one superseded by a recount or withdrawn by an annulment."""
        return self.filter(status__in=["draft", "published", "final"]).order_by("-version")

    def with_meeting(self):
        return self.select_related("meeting__village__township")


class ObjectionQuerySet(VillageScopedQuerySet):
    village_path = "snapshot__meeting__village"

    def pending(self):
        return self.filter(status="pending")

    def of_snapshot(self, snapshot):
        return self.filter(snapshot=snapshot)

    def public_of(self, meeting):
        """The objections a meeting's results page lists: to its live results and to versions a
        recount superseded (an upheld one is why there was a recount); not to withdrawn ones."""
        return self.filter(
            snapshot__meeting=meeting, snapshot__status__in=["published", "final", "superseded"]
        )

    def for_queue(self):
        """Oldest first, with what the moderator needs to see in one query."""
        return self.select_related("snapshot__meeting__village").order_by("lodged_at", "pk")


class HonorCandidateQuerySet(VillageScopedQuerySet):
    village_path = "meeting__village"

    def of_meeting(self, meeting):
        return self.filter(meeting=meeting)

    def pending(self):
        return self.filter(status="pending")

    def accepted(self):
        return self.filter(status="accepted")

    def for_review(self):
        """Most nominated first, with the household."""
        return self.select_related("household").order_by("-votes", "household__number", "pk")


class SpokenClipQuerySet(VillageScopedQuerySet):
    village_path = "meeting__village"

    def of(self, meeting, language: str):
        return self.filter(meeting=meeting, language=language)

    def playable(self):
        """What a ballot may play: every synthetic clip, and the recordings a moderator approved."""
        return self.filter(approved=True)

    def awaiting_approval(self):
        return self.filter(source="recorded", approved=False)

    def synthesized(self):
        return self.filter(source="synthesized")

    def voice(self) -> dict[str, "models.Model"]:
        """The clip a ballot plays for each text: the latest approved recording, else the synthetic one."""
        chosen = {}
        for clip in self.playable().order_by("-source", "pk"):  # "synthesized" first, recordings after
            chosen[clip.text] = clip
        return chosen


class HouseholdProposalQuerySet(VillageScopedQuerySet):
    """Households' evaluations (ratings.models.evaluations), read by village, township and step."""

    def with_place(self):
        return self.select_related("village__township", "household", "meeting")

    def in_township(self, township):
        return self.filter(village__township=township)

    def pending(self):
        """Voted and passed, with the township's check or the county's decision still to come."""
        return self.filter(status__in=self.model.PENDING)

    def awaiting_township(self, today):
        """Passed, posted, and the notice over: the township's check queue."""
        return self.filter(status=self.model.Status.UNDER_NOTICE, notice_ends__lt=today)

    def awaiting_county(self):
        return self.filter(status=self.model.Status.TOWNSHIP_CHECKED)

    def overdue(self, today):
        return self.pending().filter(decision_due__lt=today)

    def decided(self):
        """Approved by the county: the decisions that change a household's standing."""
        return self.filter(status=self.model.Status.COUNTY_APPROVED)

    def on_agenda_of(self, meeting):
        return self.filter(meeting=meeting)

    def for_ballot(self, meeting):
        """The households the meeting's ballot asks about: approved and on its agenda, by household."""
        return (
            self.on_agenda_of(meeting)
            .filter(status=self.model.Status.APPROVED)
            .select_related("household")
            .order_by("household__number", "kind", "pk")
        )

    def voted(self):
        """Counted at a meeting: what the public notice lists."""
        return self.filter(ballots__isnull=False, meeting__isnull=False)


class HouseholdStatusChangeQuerySet(models.QuerySet):
    def of_household(self, household):
        return self.filter(household=household).select_related("proposal")
