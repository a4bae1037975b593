"""From the ballot box to results: the tally query, the canonical ballots file, the results document.

The edges around the pure core (ratings/aggregation.py): one GROUP BY builds the histograms of a
meeting, `ballots_csv` writes the open-data file whose SHA-256 the snapshot carries, and
`results_document` assembles what a snapshot publishes. `recount_differences` does it all again from
the database and names whatever no longer matches a published snapshot.
"""

import csv
import hashlib
import io
from collections import defaultdict

from django.db.models import Count
from django.utils import timezone

from meetings.models import Meeting
from meetings.quorum import quorum_of
from portal.models import CadrePost, Resident
from ratings import aggregation
from ratings.models import (
    Ballot,
    BallotGrade,
    BallotNomination,
    HonorCandidate,
    RatingScheme,
    ResultSnapshot,
    VoterGroup,
)

OVERALL = "overall"
# What a recount compares, per cadre: the counted figures, not names that the registry may correct later.
COUNTED_KEYS = ("criteria", "overall", "groups", "verdict", "rank")


def scheme_document(scheme: RatingScheme) -> dict:
    """The scheme as a snapshot publishes it; the pure core reads it with SchemeSpec.from_document.

    Prefetch criteria, grades and groups to save queries.
    """
    return {
        "name": scheme.name,
        "quick_mode": scheme.quick_mode,
        "criteria": [{"code": OVERALL, "name": ""}]
        if scheme.quick_mode
        else [{"code": criterion.code, "name": criterion.name} for criterion in scheme.criteria.all()],
        "grades": [
            {"code": grade.code, "label": grade.label, "value": grade.value, "standing": grade.standing}
            for grade in scheme.grades.all()
        ],
        "groups": {group.kind: str(group.weight) for group in scheme.groups.all()},
        "excellent_share": str(scheme.excellent_share),
        "incompetent_share": str(scheme.incompetent_share),
        "min_cell": scheme.min_cell,
    }


def scheme_spec(scheme: RatingScheme) -> aggregation.SchemeSpec:
    """The scheme as the pure core sees it, read from what a snapshot publishes of it (as recounts do)."""
    return aggregation.SchemeSpec.from_document(scheme_document(scheme))


def grade_counts(ballot_grades) -> dict:
    """One GROUP BY: (cadre, criterion code, group kind, grade code) → ballots, for the given rows."""
    rows = ballot_grades.values("cadre_id", "criterion__code", "ballot__group__kind", "grade__code").annotate(
        n=Count("id")
    )
    return {
        (
            row["cadre_id"],
            row["criterion__code"] or OVERALL,
            row["ballot__group__kind"],
            row["grade__code"],
        ): row["n"]
        for row in rows.order_by()
    }


def meeting_counts(meeting: Meeting) -> dict:
    return grade_counts(BallotGrade.objects.filter(ballot__meeting=meeting))


def reporting_cadres(meeting: Meeting) -> list:
    """The cadres of the vote in speaking order."""
    return [row.cadre for row in meeting.reporting.select_related("cadre").order_by("order", "cadre_id")]


def ballot_columns(meeting: Meeting, cadres: list) -> list[tuple[int, str]]:
    spec_criteria = (
        [OVERALL]
        if meeting.scheme.quick_mode
        else list(meeting.scheme.criteria.values_list("code", flat=True))
    )
    return [(cadre.pk, code) for cadre in cadres for code in spec_criteria]


def ballots_csv(meeting: Meeting, cadres: list | None = None) -> bytes:
    """The canonical ballots file: byte for byte the same for the same ballots.

    One row per ballot ordered by receipt (receipts are random, so this order says nothing about who
    voted when); columns `receipt`, `group`, one `<cadre id>:<criterion code>` per line of the ballot
    holding the grade code (empty for "don't know"), and `nominations`, household ids joined by `;`.
    UTF-8 without BOM, LF line ends. Three queries, whatever the number of ballots.
    """
    cadres = reporting_cadres(meeting) if cadres is None else cadres
    columns = ballot_columns(meeting, cadres)
    grades = defaultdict(dict)
    for ballot_id, cadre_id, criterion_code, code, standing in (
        BallotGrade.objects.filter(ballot__meeting=meeting)
        .values_list("ballot_id", "cadre_id", "criterion__code", "grade__code", "grade__standing")
        .order_by()
        .iterator(chunk_size=5000)
    ):
        grades[ballot_id][(cadre_id, criterion_code or OVERALL)] = "" if standing == "abstain" else code
    nominations = defaultdict(list)
    for ballot_id, household_id in (
        BallotNomination.objects.filter(ballot__meeting=meeting)
        .values_list("ballot_id", "household_id")
        .order_by()
    ):
        nominations[ballot_id].append(household_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["receipt", "group", *(f"{cadre}:{code}" for cadre, code in columns), "nominations"])
    for ballot_id, receipt, group in (
        Ballot.objects.filter(meeting=meeting).values_list("pk", "receipt", "group__kind").order_by("receipt")
    ):
        cells = grades.get(ballot_id, {})
        writer.writerow(
            [
                receipt,
                group,
                *(cells.get(column, "") for column in columns),
                ";".join(str(household) for household in sorted(nominations.get(ballot_id, []))),
            ]
        )
    return out.getvalue().encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def posts_held(cadre_ids, year: int) -> dict[int, list[str]]:
    """Each cadre's posts in the given year, most senior first."""
    posts = defaultdict(list)
    held = CadrePost.objects.filter(cadre_id__in=cadre_ids).held_in(year).by_rank()
    for cadre_id, post in held.values_list("cadre_id", "post"):
        if post not in posts[cadre_id]:
            posts[cadre_id].append(post)
    return dict(posts)


def incompetent_last_year(meeting: Meeting) -> set[int]:
    """Cadres the village's published results of the year before rated incompetent."""
    previous = (
        ResultSnapshot.objects.live()
        .filter(meeting__village_id=meeting.village_id, meeting__year=meeting.year - 1)
        .values_list("data", flat=True)
    )
    return {
        cadre["id"]
        for data in previous
        for cadre in data.get("cadres", [])
        if cadre.get("verdict") == "incompetent"
    }


def group_breakdown_shown(counts: dict, min_cell: int) -> bool:
    """Whether every voter group holds at least k ballots.

    If one group were hidden and the others shown, the hidden one could be worked out by subtracting
    them from the total; so the breakdown by group is shown for all groups or for none.
    """
    # Every ballot grades every line, so one line of each group counts that group's ballots.
    per_group = defaultdict(int)
    first_line = {}
    for (cadre, criterion, group, _grade), n in counts.items():
        first_line.setdefault(group, (cadre, criterion))
        if first_line[group] == (cadre, criterion):
            per_group[group] += n
    return all(n >= min_cell for n in per_group.values())


def household_label(household_ids) -> dict[int, str]:
    """The name the honor roll shows for a household: its first resident on the roll."""
    labels = {}
    for household_id, name in (
        Resident.objects.filter(household_id__in=household_ids)
        .order_by("household_id", "pk")
        .values_list("household_id", "name")
    ):
        labels.setdefault(household_id, name)
    return labels


def honor_roll_document(meeting: Meeting) -> list[dict]:
    """The accepted honor roll candidates in ranking order, with their awards."""
    accepted = list(
        HonorCandidate.objects.filter(meeting=meeting, status=HonorCandidate.Status.ACCEPTED).select_related(
            "household"
        )
    )
    names = household_label([candidate.household_id for candidate in accepted])
    by_household = {candidate.household_id: candidate for candidate in accepted}
    ranked = aggregation.rank_households({candidate.household_id: candidate.votes for candidate in accepted})
    return [
        {
            "household": household_id,
            "number": by_household[household_id].household.number,
            "name": names.get(household_id, ""),
            "votes": votes,
            "committee_reason": by_household[household_id].committee_reason,
            "award": by_household[household_id].award,
            "award_amount": (
                str(by_household[household_id].award_amount)
                if by_household[household_id].award_amount is not None
                else None
            ),
            "rank": rank,
        }
        for household_id, votes, rank in ranked
    ]


def results_document(meeting: Meeting, *, ballots_file: bytes | None = None) -> dict:
    """Everything a snapshot publishes, computed afresh from the database."""
    scheme = (
        RatingScheme.objects.prefetch_related("criteria", "grades", "groups").get(pk=meeting.scheme_id)
        if meeting.scheme_id
        else None
    )
    spec = scheme_spec(scheme)
    cadres = reporting_cadres(meeting)
    counts = meeting_counts(meeting)
    results = aggregation.tally(counts, spec, [cadre.pk for cadre in cadres])
    ranks = aggregation.rank_cadres(results)
    posts = posts_held([cadre.pk for cadre in cadres], meeting.year)
    flagged_before = incompetent_last_year(meeting)
    show_groups = group_breakdown_shown(counts, scheme.min_cell)
    ballots_file = ballots_csv(meeting, cadres) if ballots_file is None else ballots_file
    by_group = dict(
        Ballot.objects.filter(meeting=meeting).values_list("group__kind").annotate(n=Count("id")).order_by()
    )
    ballots = sum(by_group.values())
    # The township panel is not on the village's roll: its ballots count, but not toward the turnout.
    from_roll = ballots - by_group.get(VoterGroup.Kind.TOWNSHIP_PANEL, 0)
    quorum = quorum_of(meeting)
    nominations = BallotNomination.objects.filter(ballot__meeting=meeting).count()

    cadre_rows = []
    for cadre in cadres:
        figures = aggregation.result_as_json(results[cadre.pk])
        if not show_groups:
            figures["groups"] = None
        held = posts.get(cadre.pk, [])
        cadre_rows.append(
            {
                "id": cadre.pk,
                "name": cadre.name,
                "post": held[0] if held else "",
                "posts": held,
                **{key: figures.get(key) for key in ("criteria", "overall", "groups", "verdict")},
                "rank": ranks.get(cadre.pk),
                "incompetent_two_years": figures.get("verdict") == "incompetent"
                and cadre.pk in flagged_before,
            }
        )
    return {
        "meeting": {
            "id": meeting.pk,
            "village": meeting.village.name,
            "village_code": meeting.village.code,
            "township": meeting.village.township.name,
            "year": meeting.year,
            "date": timezone.localdate(meeting.held_at).isoformat(),
            "kind": meeting.kind,
        },
        "scheme": scheme_document(scheme),
        "turnout": {
            "ballots": ballots,
            "present": quorum.present,
            "roll": quorum.base,
            "quorum_required": quorum.required,
            "quorum_met": quorum.met,
            "by_group": {kind: by_group[kind] for kind in sorted(by_group)},
            "rate": round(from_roll / quorum.base, 4) if quorum.base else None,
        },
        "ballots": ballots,
        "ballots_sha256": sha256(ballots_file),
        "cadres": cadre_rows,
        "nominations": nominations,
        "honor_roll": honor_roll_document(meeting),
    }


def recount_differences(snapshot: ResultSnapshot) -> list[str]:
    """Recount a published snapshot's meeting from the database; an empty list means it matches."""
    meeting = snapshot.meeting
    published = snapshot.data
    fresh = results_document(meeting)
    label = f"meeting {meeting.pk} ({meeting.village.name} {meeting.year})"
    problems = []
    if (
        fresh["ballots_sha256"] != snapshot.ballots_sha256
        or published.get("ballots_sha256") != snapshot.ballots_sha256
    ):
        problems.append(
            f"{label}: ballots.csv SHA-256 is {fresh['ballots_sha256']}, the snapshot published "
            f"{snapshot.ballots_sha256}"
        )
    if fresh["ballots"] != published.get("ballots") or fresh["ballots"] != snapshot.ballots:
        problems.append(
            f"{label}: {fresh['ballots']} ballots in the box, {published.get('ballots')} published"
        )
    scale = [grade["code"] for grade in fresh["scheme"]["grades"]]
    published_cadres = {row["id"]: row for row in published.get("cadres", [])}
    fresh_cadres = {row["id"]: row for row in fresh["cadres"]}
    for cadre_id in sorted(set(published_cadres) | set(fresh_cadres)):
        old, new = published_cadres.get(cadre_id), fresh_cadres.get(cadre_id)
        if old is None or new is None:
            problems.append(
                f"{label}: cadre {cadre_id} is only in the {'recount' if old is None else 'snapshot'}"
            )
            continue
        for key in COUNTED_KEYS:
            if key == "criteria":
                for code in sorted(set(old.get("criteria") or {}) | set(new.get("criteria") or {})):
                    before = (old.get("criteria") or {}).get(code)
                    after = (new.get("criteria") or {}).get(code)
                    if before != after:
                        problems.append(
                            f"{label}: cadre {cadre_id} ({new['name']}) criterion {code}: published "
                            f"{_brief(before, scale)}, recounted {_brief(after, scale)}"
                        )
            elif old.get(key) != new.get(key):
                before, after = _brief(old.get(key), scale), _brief(new.get(key), scale)
                problems.append(
                    f"{label}: cadre {cadre_id} ({new['name']}) {key}: published {before}, recounted {after}"
                )
    return problems


def _brief(figures, scale: list[str]) -> str:
    """A histogram in the order of the scale (PostgreSQL's JSON reorders stored keys), else the value."""
    if isinstance(figures, dict) and "histogram" in figures:
        histogram = figures["histogram"] or {}
        return (
            "{" + ", ".join(f"{code}: {histogram.get(code, 0)}" for code in scale if code in histogram) + "}"
        )
    if isinstance(figures, dict) and figures and all(isinstance(value, dict) for value in figures.values()):
        # The breakdown by group: each group's histogram.
        return "{" + ", ".join(f"{group}: {_brief(figures[group], scale)}" for group in sorted(figures)) + "}"
    return str(figures)
