"""Recount published results from their open data alone, with no database and no Django:

    python -m ratings.recount ballots.csv results.json

It checks the SHA-256 of the ballots file against the one results.json (and the printed notice)
carries, counts every column of the file into histograms, recomputes every figure with the same pure
core the portal uses (ratings/aggregation.py, standard library only), and names each difference from
what was published. Exit status 0 when everything matches.
"""

import csv
import hashlib
import io
import json
import sys
from collections import Counter

from ratings import aggregation

FIXED_COLUMNS = ("receipt", "group", "nominations")
# What is compared per cadre; the breakdown by group only where it was published (see k).
COMPARED = ("criteria", "overall", "verdict", "rank")


def count(ballots: bytes, spec: aggregation.SchemeSpec) -> tuple[Counter, int]:
    """(cadre id, criterion code, group, grade code) → ballots, and the number of ballots."""
    abstention = next((grade.code for grade in spec.grades if grade.standing == aggregation.ABSTAIN), None)
    counts: Counter = Counter()
    rows = 0
    for row in csv.DictReader(io.StringIO(ballots.decode("utf-8"))):
        rows += 1
        for column, cell in row.items():
            if column in FIXED_COLUMNS:
                continue
            cadre, criterion = column.rsplit(":", 1)
            if not cell and abstention is None:
                raise ValueError(f"an empty cell in column {column}, but the scale has no abstention")
            counts[(int(cadre), criterion, row["group"], cell or abstention)] += 1
    return counts, rows


def recount(ballots: bytes, results: dict) -> list[str]:
    """Every difference between the open data's recount and the published results; empty if none."""
    problems = []
    digest = hashlib.sha256(ballots).hexdigest()
    if digest != results["ballots_sha256"]:
        problems.append(
            f"ballots.csv has SHA-256 {digest}, results.json published {results['ballots_sha256']}"
        )
    spec = aggregation.SchemeSpec.from_document(results["scheme"])
    counts, rows = count(ballots, spec)
    if rows != results["ballots"]:
        problems.append(f"ballots.csv holds {rows} ballots, results.json published {results['ballots']}")
    published = {cadre["id"]: cadre for cadre in results["cadres"]}
    tallied = aggregation.tally(counts, spec, list(published))
    ranks = aggregation.rank_cadres(tallied)
    for cadre_id, cadre in published.items():
        fresh = {**aggregation.result_as_json(tallied[cadre_id]), "rank": ranks.get(cadre_id)}
        keys = COMPARED + (("groups",) if cadre.get("groups") is not None else ())
        for key in keys:
            if fresh.get(key) != cadre.get(key):
                problems.append(
                    f"cadre {cadre_id} ({cadre['name']}): {key} recounts to {fresh.get(key)}, "
                    f"published {cadre.get(key)}"
                )
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m ratings.recount ballots.csv results.json", file=sys.stderr)
        return 2
    with open(argv[0], "rb") as ballots_file, open(argv[1], encoding="utf-8") as results_file:
        ballots, results = ballots_file.read(), json.load(results_file)
    problems = recount(ballots, results)
    for problem in problems:
        print(problem)
    if not problems:
        print(
            f"OK: {results['ballots']} ballots, SHA-256 {results['ballots_sha256']}; every figure recounts."
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
