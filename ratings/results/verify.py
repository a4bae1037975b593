"""Recount a published snapshot from the database and name whatever no longer matches (verify_results).

Everything is recounted from the box itself, and the counts kept when the box was sealed
(GradeCount, EvaluationCount), which the figures were worked out from, are checked against it. The
seal: the SHA-256 of the per-ballot file kept on the server (tally.ballots_csv), which any changed
grade, group, nomination, answer on a household or receipt alters. Then the published open data:
counts.csv (every disclosed count, named one by one), receipts.txt, the ballot counts, every cadre's
figures, and every household's count and outcome.

A snapshot from before counts.csv (no "format" in its data) is checked on what it published then: the
seal, the number of ballots, and each criterion's histogram (pooled over the groups, as it was). One
worked out by an earlier method (docs/method.md; no "method" or an older version) is checked on its
seal and counts only: its figures followed the rules of their day (other rounding, ranks, no minimum).
"""

from ratings import aggregation
from ratings.models import GradeCount, ResultSnapshot
from ratings.results import opendata, tally
from ratings.results.opendata import sha256

LEGACY_COMPARED = ("histogram", "graded", "abstained")


def recount_differences(snapshot: ResultSnapshot) -> list[str]:
    """An empty list when the box still gives what the snapshot published."""
    meeting = snapshot.meeting
    published = snapshot.data
    kept, box = GradeCount.objects.of_meeting(meeting).as_counts(), tally.box_counts(meeting)
    # Recounted from the box itself, not from the counts kept at the close that the figures came from.
    fresh = tally.results_document(meeting, counts=box)
    label = f"meeting {meeting.pk} ({meeting.village.name} {meeting.year})"
    problems = []
    seal = tally.ballots_seal(meeting)
    if seal != snapshot.ballots_sha256:
        problems.append(
            f"{label}: the ballots on the server have SHA-256 {seal}, the snapshot was sealed with "
            f"{snapshot.ballots_sha256}"
        )
    if kept and kept != box:
        problems += [
            f"{label}: the counts kept at the close say {kept.get(key, 0)} for cadre {key[0]} criterion "
            f"{key[1]} group {key[2]} grade {key[3]}, the box holds {box.get(key, 0)}"
            for key in sorted(set(kept) | set(box), key=str)
            if kept.get(key, 0) != box.get(key, 0)
        ]
    if fresh["ballots"] != published.get("ballots") or fresh["ballots"] != snapshot.ballots:
        problems.append(
            f"{label}: {fresh['ballots']} ballots in the box, {published.get('ballots')} published"
        )
    if "format" not in published:
        return problems + _legacy_differences(label, published, fresh)
    # counts.csv as it was published: results from before the spreadsheet format keep theirs.
    digests = {
        "counts.csv": ("counts_sha256", sha256(opendata.published_counts_csv(published, fresh["counts"]))),
        "receipts.txt": ("receipts_sha256", fresh["receipts_sha256"]),
    }
    for name, (key, digest) in digests.items():
        if digest != published.get(key):
            problems.append(f"{label}: {name} recounts to SHA-256 {digest}, published {published.get(key)}")
    problems += _count_differences(label, published.get("counts", []), fresh["counts"])
    problems += _household_differences(label, meeting, published, fresh)
    if fresh["disclosure"] != published.get("disclosure"):
        problems.append(
            f"{label}: disclosure recounts to {fresh['disclosure']}, published {published.get('disclosure')}"
        )
    if (published.get("method") or {}).get("version") != aggregation.METHOD_VERSION:
        return problems
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
        for key in tally.COUNTED_KEYS:
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


def _household_differences(label: str, meeting, published: dict, fresh: dict) -> list[str]:
    """The households' evaluations: the counts kept at the close against the answers in the box, and
    each household as published against its recount from the box."""
    if "households" not in published and "households" not in fresh:
        return []
    kept, box = tally.evaluation_counts(meeting), tally.box_evaluation_counts(meeting)
    problems = [
        f"{label}: the counts kept at the close say {kept.get(key, 0)} for household {key[0]} {key[1]}, "
        f"the box holds {box.get(key, 0)}"
        for key in sorted(set(kept) | set(box))
        if kept.get(key, 0) != box.get(key, 0)
    ]
    shown = fresh["disclosure"]["figures_shown"]
    recounted = {row["id"]: row for row in tally.households_document(meeting, counts_shown=shown, totals=box)}
    for row in published.get("households", []):
        again = recounted.pop(row["id"], None)
        if again != row:
            problems.append(f"{label}: household {row['id']}: published {row}, recounted {again}")
    problems += [f"{label}: household {pk} is only in the recount" for pk in sorted(recounted)]
    digest, stated = fresh.get("evaluations_sha256"), published.get("evaluations_sha256")
    if digest != stated:
        problems.append(f"{label}: evaluations.csv recounts to SHA-256 {digest}, published {stated}")
    return problems


def _count_differences(label: str, published: list, fresh: list) -> list[str]:
    """Each row of counts.csv whose count changed, by its cadre, criterion, group and grade."""
    before = {tuple(row[:4]): row[4] for row in published}
    after = {tuple(row[:4]): row[4] for row in fresh}
    return [
        f"{label}: counts.csv cadre {key[0]} criterion {key[1]} group {key[2]} grade {key[3]}: published "
        f"{before.get(key, 0)}, recounted {after.get(key, 0)}"
        for key in sorted(set(before) | set(after), key=str)
        if before.get(key, 0) != after.get(key, 0)
    ]


def _legacy_differences(label: str, published: dict, fresh: dict) -> list[str]:
    """A snapshot from before counts.csv: each criterion's pooled histogram, where both publish one."""
    problems = []
    fresh_cadres = {row["id"]: row for row in fresh["cadres"]}
    for old in published.get("cadres", []):
        new = fresh_cadres.get(old["id"])
        if new is None:
            problems.append(f"{label}: cadre {old['id']} is only in the snapshot")
            continue
        for code, stats in (old.get("criteria") or {}).items():
            recounted = (new.get("criteria") or {}).get(code)
            if recounted is None:
                continue  # the current k rule withholds it; the seal above still covers the ballots
            for key in LEGACY_COMPARED:
                if stats.get(key) != recounted.get(key):
                    problems.append(
                        f"{label}: cadre {old['id']} ({old['name']}) criterion {code} {key}: published "
                        f"{stats.get(key)}, recounted {recounted.get(key)}"
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
