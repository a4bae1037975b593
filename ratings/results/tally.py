"""From the ballot box to results: the tally query and the results document a snapshot publishes.

The edges around the pure core (ratings/aggregation.py): one GROUP BY builds the histograms of a
meeting, the k rule (ratings/disclosure.py) decides what of them may be published, and
`results_document` assembles what a snapshot publishes: the results, the disclosed counts (counts.csv,
ratings/results/opendata.py) with the digests of counts.csv and receipts.txt, the households'
evaluations with their outcomes (evaluations.csv), and a codebook.
`ballots_csv` writes the per-ballot file that stays on the server: its SHA-256 seals the snapshot
(ratings/results/verify.py checks the box against it) and is never published.
"""

import csv
import io
from collections import defaultdict
from fractions import Fraction

from django.conf import settings
from django.db.models import Count
from django.utils import timezone, translation

from meetings.models import Meeting
from meetings.quorum import quorum_of
from portal.models import CadrePost, Resident
from ratings import aggregation, disclosure
from ratings.ballot.reconciliation import reconciliation_of
from ratings.models import (
    Ballot,
    BallotEvaluation,
    BallotGrade,
    BallotNomination,
    EvaluationCount,
    GradeCount,
    HonorCandidate,
    HouseholdProposal,
    RatingScheme,
    ResultSnapshot,
    VoterGroup,
)
from ratings.querysets import OVERALL
from ratings.results import opendata
from ratings.results.opendata import sha256

# What a recount compares, per cadre: the counted figures, not names that the registry may correct later.
COUNTED_KEYS = ("criteria", "overall", "groups", "verdict", "rank")
# The results document with counts.csv, receipts.txt and the k rule; older snapshots have no "format".
FORMAT = 2


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
        "min_graded": settings.RESULTS_MIN_GRADED_BALLOTS,
        "max_nominations": scheme.max_nominations,
    }


def scheme_spec(scheme: RatingScheme) -> aggregation.SchemeSpec:
    """The scheme as the pure core sees it, read from what a snapshot publishes of it (as recounts do)."""
    return aggregation.SchemeSpec.from_document(scheme_document(scheme))


def meeting_counts(meeting: Meeting) -> dict:
    """The meeting's histograms: as kept when its box was sealed; counted from the box before that."""
    kept = GradeCount.objects.of_meeting(meeting).as_counts()
    return kept or box_counts(meeting)


def box_counts(meeting: Meeting) -> dict:
    """The histograms counted afresh from the grades in the box (one GROUP BY)."""
    return BallotGrade.objects.of_meeting(meeting).counts()


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
    """The canonical per-ballot file, kept on the server: byte for byte the same for the same ballots.

    Not public: a receipt beside its grades would let a voter prove a vote, and a rare pattern of
    grades would let a coercer find one. Its SHA-256 seals the snapshot.

    One row per ballot ordered by receipt (receipts are random, so this order says nothing about who
    voted when); columns `receipt`, `group`, one `<cadre id>:<criterion code>` per line of the ballot
    holding the grade code (empty for "don't know"), and `nominations`, household ids joined by `;`;
    then, at a meeting that voted on households, one `household:<proposal id>` per household's
    evaluation holding the answer (a meeting without them keeps the file it always had). UTF-8 without
    BOM, LF line ends. Three queries (five with households), whatever the number of ballots.
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
    proposals = list(
        HouseholdProposal.objects.on_agenda_of(meeting).order_by("pk").values_list("pk", flat=True)
    )
    answers = defaultdict(dict)
    if proposals:
        for ballot_id, proposal_id, answer in (
            BallotEvaluation.objects.of_meeting(meeting)
            .values_list("ballot_id", "proposal_id", "answer")
            .order_by()
        ):
            answers[ballot_id][proposal_id] = answer
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "receipt",
            "group",
            *(f"{cadre}:{code}" for cadre, code in columns),
            "nominations",
            *(f"household:{proposal}" for proposal in proposals),
        ]
    )
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
                *(answers.get(ballot_id, {}).get(proposal, "") for proposal in proposals),
            ]
        )
    return out.getvalue().encode("utf-8")


def _answer_totals(counts) -> dict[tuple[int, str], int]:
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for proposal, _group, answer, n in counts:
        totals[(proposal, answer)] += n
    return dict(totals)


def box_evaluation_counts(meeting: Meeting) -> dict[tuple[int, str], int]:
    """(proposal id, answer) → ballots, counted afresh from the answers in the box (one GROUP BY)."""
    return _answer_totals(BallotEvaluation.objects.of_meeting(meeting).counts_by_id())


def evaluation_counts(meeting: Meeting) -> dict[tuple[int, str], int]:
    """(proposal id, answer) → ballots, over every voter group: as kept when the box was sealed;
    counted from the box before that."""
    kept = EvaluationCount.objects.of_meeting(meeting).order_by()
    if kept.exists():
        return _answer_totals(kept.values_list("proposal_id", "group_id", "answer", "ballots"))
    return box_evaluation_counts(meeting)


def households_document(
    meeting: Meeting, *, counts_shown: bool, totals: dict[tuple[int, str], int] | None = None
) -> list[dict]:
    """The households' evaluations on the meeting's agenda, each with its decision, threshold, count and
    outcome (ratings.aggregation.household_passes). Below k ballots (`counts_shown` False) the answers'
    counts are withheld and the outcome is still stated: the decision is the meeting's, and the
    village must post it (docs/method.md)."""
    totals = evaluation_counts(meeting) if totals is None else totals
    households = []
    for proposal in HouseholdProposal.objects.on_agenda_of(meeting).order_by("pk"):
        answers = {answer: totals.get((proposal.pk, answer), 0) for answer in BallotEvaluation.Answer.values}
        ballots = sum(answers.values())
        passed = aggregation.household_passes(**answers, ballots=ballots, threshold=proposal.threshold)
        households.append(
            {
                "id": proposal.pk,
                "head": proposal.head_name,
                "kind": proposal.kind,
                "category": proposal.category,
                "star": proposal.star,
                "threshold": {
                    "numerator": proposal.threshold_numerator,
                    "denominator": proposal.threshold_denominator,
                },
                "ballots": ballots,
                **(answers if counts_shown else dict.fromkeys(answers)),
                "passed": passed,
            }
        )
    return households


def posts_held(cadre_ids, year: int) -> dict[int, list[str]]:
    """Each cadre's posts in the given year, most senior first."""
    posts = defaultdict(list)
    held = CadrePost.objects.filter(cadre_id__in=cadre_ids).held_in(year).by_rank()
    for cadre_id, post in held.values_list("cadre_id", "post"):
        if post not in posts[cadre_id]:
            posts[cadre_id].append(post)
    return dict(posts)


def incompetent_last_year(meeting: Meeting) -> set[int]:
    """Cadres the village's published results of the year before rated incompetent.

    Only a verdict counts: a cadre with "not enough grades" that year has none, so it never starts
    (or continues) the two-years flag.
    """
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


def household_label(household_ids) -> dict[int, str]:
    """The name the honor roll shows for a household: its first resident on the roll."""
    return {household_id: names[0] for household_id, names in _first_residents(household_ids).items()}


def _first_residents(household_ids) -> dict[int, tuple[str, str]]:
    """Each household's first resident on the roll: (Chinese name, Uyghur name)."""
    firsts = {}
    for household_id, name, name_ug in (
        Resident.objects.filter(household_id__in=household_ids)
        .order_by("household_id", "pk")
        .values_list("household_id", "name", "name_ug")
    ):
        firsts.setdefault(household_id, (name, name_ug))
    return firsts


def _award_in_uyghur(candidate: HonorCandidate) -> dict:
    # Only when there is one: documents without it stay as they were.
    return {"award_ug": candidate.award_ug} if candidate.award_ug else {}


def honor_roll_document(meeting: Meeting, *, votes_shown: bool = True) -> list[dict]:
    """The accepted honor roll candidates in ranking order, with their awards.

    Below k ballots (`votes_shown` False) the ballots' nominations are a figure of too few ballots:
    the households and awards are listed by household number, with no votes and no rank.
    """
    accepted = list(
        HonorCandidate.objects.filter(meeting=meeting, status=HonorCandidate.Status.ACCEPTED).select_related(
            "household"
        )
    )
    names = _first_residents([candidate.household_id for candidate in accepted])
    by_household = {candidate.household_id: candidate for candidate in accepted}
    if votes_shown:
        ranked = aggregation.rank_households(
            {candidate.household_id: candidate.votes for candidate in accepted}
        )
    else:
        in_order = sorted(
            accepted, key=lambda candidate: (candidate.household.number, candidate.household_id)
        )
        ranked = [(candidate.household_id, None, None) for candidate in in_order]
    return [
        {
            "household": household_id,
            "number": by_household[household_id].household.number,
            "name": names.get(household_id, ("", ""))[0],
            # Only when there is one: documents without it stay as they were.
            **({"name_ug": names[household_id][1]} if names.get(household_id, ("", ""))[1] else {}),
            "votes": votes,
            "committee_reason": by_household[household_id].committee_reason,
            "award": by_household[household_id].award,
            **(
                {"award_ug": by_household[household_id].award_ug}
                if by_household[household_id].award_ug
                else {}
            ),
            "award_amount": (
                str(by_household[household_id].award_amount)
                if by_household[household_id].award_amount is not None
                else None
            ),
            "rank": rank,
        }
        for household_id, votes, rank in ranked
    ]


def ballots_by_group(meeting: Meeting) -> dict[str, int]:
    """How many ballots each voter group cast (the poll book's figure, by group)."""
    counted = Ballot.objects.filter(meeting=meeting).values_list("group__kind").annotate(n=Count("id"))
    return dict(sorted(counted.order_by()))


def receipts_file(meeting: Meeting) -> bytes:
    """receipts.txt: the receipts of the meeting's counted ballots, sorted, alone."""
    return opendata.receipts_txt(Ballot.objects.filter(meeting=meeting).values_list("receipt", flat=True))


def ballots_seal(meeting: Meeting) -> str:
    """The SHA-256 of the per-ballot file kept on the server: what verify_results checks the box against."""
    return sha256(ballots_csv(meeting))


def _labels(choices) -> dict[str, dict[str, str]]:
    """Each code's label in every language of the portal, for the codebook."""
    labels = {}
    for code, label in choices:
        labels[code] = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                labels[code][language] = str(label)
    return labels


def codebook(scheme: dict, cadres: list, posts: dict[int, list[str]], households: list | None = None) -> dict:
    """What every code of counts.csv (and evaluations.csv, with households) and results.json stands for."""
    group_labels = _labels(VoterGroup.Kind.choices)
    post_labels = _labels(CadrePost.Post.choices)
    evaluated = {}
    if households:
        evaluated = {
            "answers": _labels(BallotEvaluation.Answer.choices),
            "kinds": _labels(HouseholdProposal.Kind.choices),
            "households": {
                str(household["id"]): {
                    "head": household["head"],
                    "kind": household["kind"],
                    "threshold": "{numerator}/{denominator}".format(**household["threshold"]),
                }
                for household in households
            },
        }
    return {
        "files": opendata.CODEBOOK_FILES | (opendata.EVALUATION_FILES if households else {}),
        "consistency_rules": list(opendata.CONSISTENCY_RULES)
        + (list(opendata.EVALUATION_RULES) if households else []),
        **evaluated,
        "cadres": {
            str(cadre.pk): {
                "name": cadre.name,
                "posts": [{"code": post, **post_labels.get(post, {})} for post in posts.get(cadre.pk, [])],
            }
            for cadre in cadres
        },
        "criteria": {criterion["code"]: criterion["name"] for criterion in scheme["criteria"]},
        "grades": {
            grade["code"]: {"label": grade["label"], "value": grade["value"], "standing": grade["standing"]}
            for grade in scheme["grades"]
        },
        "groups": {
            kind: {"weight": scheme["groups"].get(kind), **labels} for kind, labels in group_labels.items()
        },
    }


def method_document(scheme: dict) -> dict:
    """The rules the figures follow (docs/method.md), with the thresholds this document applied."""
    return {
        "version": aggregation.METHOD_VERSION,
        "description": "docs/method.md",
        "rounding": f"exact, then rounded once to {aggregation.PLACES} decimal places, half away from zero",
        "verdict": "by the group-weighted shares overall.top_pass_share and overall.bottom_share",
        "rank": "by overall.score as published, higher first; equal scores share a rank (1, 1, 3)",
        "excellent_share": scheme["excellent_share"],
        "incompetent_share": scheme["incompetent_share"],
        "min_graded": scheme["min_graded"],
        "k": scheme["min_cell"],
    }


def results_document(meeting: Meeting, counts: dict | None = None) -> dict:
    """Everything a snapshot publishes, computed afresh from the database, under the k rule.

    `counts`: the histograms to work from; by default the meeting's (`meeting_counts`).

    `counts` (the disclosed histograms, the rows of counts.csv) is kept in the snapshot so that
    counts.csv and the rankings are read from what was published, never counted again; the public
    results.json leaves it out, since counts.csv carries it.
    """
    scheme = RatingScheme.objects.prefetch_related("criteria", "grades", "groups").get(pk=meeting.scheme_id)
    scheme_published = scheme_document(scheme)
    spec = aggregation.SchemeSpec.from_document(scheme_published)
    cadres = reporting_cadres(meeting)
    by_group = ballots_by_group(meeting)
    rule = disclosure.decide(by_group, scheme.min_cell)
    counts = disclosure.disclosed_counts(meeting_counts(meeting) if counts is None else counts, rule)
    results = aggregation.tally(counts, spec, [cadre.pk for cadre in cadres])
    ranks = aggregation.rank_cadres(results)
    posts = posts_held([cadre.pk for cadre in cadres], meeting.year)
    flagged_before = incompetent_last_year(meeting)
    ballots = sum(by_group.values())
    # The township panel is not on the village's roll: its ballots count, but not toward the turnout.
    from_roll = ballots - by_group.get(VoterGroup.Kind.TOWNSHIP_PANEL, 0)
    quorum = quorum_of(meeting)
    rows = opendata.count_rows(counts)
    receipts = receipts_file(meeting)
    households = households_document(meeting, counts_shown=rule.figures_shown)

    cadre_rows = []
    for cadre in cadres:
        held = posts.get(cadre.pk, [])
        row = {"id": cadre.pk, "name": cadre.name, "post": held[0] if held else "", "posts": held}
        if cadre.name_ug:  # only when there is one: documents without it stay as they were
            row["name_ug"] = cadre.name_ug
        if rule.figures_shown:
            figures = aggregation.result_as_json(results[cadre.pk])
            # A pooled group has no figures of its own: its ballots are in the group it joined.
            groups = {kind: stats for kind, stats in figures["groups"].items() if kind not in rule.pooled}
            row.update(
                {
                    **{key: figures.get(key) for key in ("criteria", "overall", "verdict")},
                    "groups": groups,
                    "rank": ranks.get(cadre.pk),
                    "incompetent_two_years": figures.get("verdict") == aggregation.INCOMPETENT
                    and cadre.pk in flagged_before,
                }
            )
        else:
            row.update({**dict.fromkeys(COUNTED_KEYS), "incompetent_two_years": False})
        cadre_rows.append(row)
    document = {
        "format": FORMAT,
        "method": method_document(scheme_published),
        "meeting": {
            "id": meeting.pk,
            "village": meeting.village.name,
            "village_code": meeting.village.code,
            "township": meeting.village.township.name,
            "year": meeting.year,
            "date": timezone.localdate(meeting.held_at).isoformat(),
            "kind": meeting.kind,
        },
        "scheme": scheme_published,
        "turnout": {
            "ballots": ballots,
            "codes_used": reconciliation_of(meeting).codes_used,
            "present": quorum.present,
            "roll": quorum.base,
            "quorum_required": quorum.required,
            "quorum_met": quorum.met,
            "by_group": by_group,
            "rate": aggregation.publish(Fraction(from_roll, quorum.base)) if quorum.base else None,
        },
        "ballots": ballots,
        "disclosure": {**rule.as_json(), "ballots_by_group": disclosure.disclosed_ballots(by_group, rule)},
        "counts": rows,
        opendata.SPREADSHEET_KEY: True,
        "counts_sha256": sha256(opendata.counts_csv(rows, for_spreadsheets=True)),
        "receipts_sha256": sha256(receipts),
        "codebook": codebook(scheme_published, cadres, posts, households),
        "cadres": cadre_rows,
        "nominations": BallotNomination.objects.filter(ballot__meeting=meeting).count()
        if rule.figures_shown
        else None,
        "honor_roll": honor_roll_document(meeting, votes_shown=rule.figures_shown),
    }
    if households:  # only then: documents of meetings without them stay as they were
        document["households"] = households
        document["evaluations_sha256"] = sha256(opendata.evaluations_csv(households))
    # Worked out from the document itself, so the file served later from the snapshot hashes to it.
    document["codebook_sha256"] = sha256(opendata.codebook_csv(document))
    return document
