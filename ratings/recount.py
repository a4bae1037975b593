"""Recount published results from their open data alone, with no database and no Django:

    python -m ratings.recount counts.csv results.json [receipts.txt] [codebook.csv] [evaluations.csv]

It checks the SHA-256 of counts.csv (and of receipts.txt and codebook.csv, when given) against the
ones results.json (and the printed notice) carries; that codebook.csv states what results.json does
(each grade's value and standing, each group's weight, the method's version and thresholds, k, every
cadre and criterion) and defines every code of counts.csv; checks the k rule (ratings/disclosure.py)
was applied as published and the consistency rules between the counts (each cadre-criterion column
of a group sums to that group's ballots; the groups add up to the ballots; ballots = turnout = codes
used = receipts); recomputes every figure with the same pure core the portal uses
(ratings/aggregation.py, standard library only); checks the turnout's rate and quorum, the
nominations and the honor roll's votes against their bounds and ranks, the two-years flag against
the verdict, the format and the method version with its thresholds (docs/method.md); recounts every
household's evaluation (its answers add up to the ballots, its outcome follows from them and its
threshold, evaluations.csv says what results.json does); and names each difference. Exit status 0
when everything matches, 1 on any difference, 2 when the files cannot be read at all.
"""

import csv
import hashlib
import io
import json
import sys
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from ratings import aggregation, disclosure
from ratings.results import opendata

HEADER = ["cadre", "criterion", "group", "grade", "n"]
CODEBOOK_HEADER = list(opendata.CODEBOOK_HEADER)
# The results document this recount reads (ratings/results/tally.py FORMAT) and the method it
# recounts by (docs/method.md); any other is named as a difference, never silently recounted.
FORMAT = 2
# A meeting's quorum: strictly more than this share of its roll (meetings/quorum.py, docs/method.md).
QUORUM_SHARE = {"villagers": Fraction(1, 2), "representatives": Fraction(2, 3)}
PANEL = "township_panel"
USAGE = (
    "usage: python -m ratings.recount counts.csv results.json [receipts.txt] [codebook.csv] [evaluations.csv]"
)
EVALUATIONS_HEADER = list(opendata.EVALUATIONS_HEADER)


class OpenDataError(ValueError):
    """A file that cannot be recounted at all (not the format this recount reads)."""


def read_counts(content: bytes) -> Counter:
    """counts.csv → (cadre id, criterion code, group, grade code) → ballots.

    As published for spreadsheets too: a byte-order mark first, and a code Excel would turn into a
    number written as ="007" (ratings/results/opendata.py).
    """
    rows = (
        [opendata.from_spreadsheet(cell) for cell in row]
        for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))
    )
    header = next(rows, None)
    if header != HEADER:
        raise OpenDataError(f"counts.csv must start with the header {','.join(HEADER)}, not {header}")
    counts: Counter = Counter()
    for line, row in enumerate(rows, start=2):
        try:
            cadre, criterion, group, grade, n = row
            counts[(int(cadre), criterion, group, grade)] += int(n)
        except ValueError as error:
            raise OpenDataError(
                f"counts.csv line {line} is not cadre,criterion,group,grade,n: {row}"
            ) from error
    return counts


def read_codebook(content: bytes) -> dict[tuple[str, str, str], list[str]]:
    """codebook.csv → (section, code, field) → its values in file order (a cadre may hold several posts)."""
    rows = (
        [opendata.from_spreadsheet(cell) for cell in row]
        for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))
    )
    header = next(rows, None)
    if header != CODEBOOK_HEADER:
        raise OpenDataError(
            f"codebook.csv must start with the header {','.join(CODEBOOK_HEADER)}, not {header}"
        )
    facts: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for line, row in enumerate(rows, start=2):
        if len(row) != len(CODEBOOK_HEADER):
            raise OpenDataError(f"codebook.csv line {line} is not section,code,field,value: {row}")
        section, code, field, value = row
        facts[(section, code, field)].append(value)
    return dict(facts)


def _same_fact(found: list[str], expected: list[str]) -> bool:
    """Equal as text, or as numbers: a spreadsheet may write the weight 0.300 back as 0.3."""
    if found == expected:
        return True
    try:
        return len(found) == len(expected) and all(
            Decimal(a) == Decimal(b) for a, b in zip(found, expected, strict=True)
        )
    except InvalidOperation:
        return False


def _fact(values: list[str] | None) -> str:
    return "nothing" if values is None else " | ".join(repr(value) for value in values)


def check_codebook(content: bytes, counts: Counter, results: dict) -> list[str]:
    """codebook.csv states what results.json does, fact by fact, and defines every code of counts.csv.

    A changed grade value or standing, group weight, threshold, k, method version, cadre or criterion
    is named by its row, whether or not the file's digest was also published.
    """
    if "codebook_sha256" not in results:
        return ["codebook.csv was given, but results.json was published before codebook.csv existed"]
    problems = _digest("codebook.csv", content, results["codebook_sha256"])
    found = read_codebook(content)
    expected = read_codebook(opendata.codebook_csv(results))
    for key in sorted(set(found) | set(expected)):
        if not _same_fact(found.get(key, []), expected.get(key, [])):
            problems.append(
                f"codebook.csv {' '.join(part for part in key if part)}: {_fact(found.get(key))}, "
                f"results.json says {_fact(expected.get(key))}"
            )
    version = found.get(("method", "", "version"))
    if version != [str(aggregation.METHOD_VERSION)]:
        problems.append(
            f"codebook.csv states method version {_fact(version)}; this recount follows version "
            f"{aggregation.METHOD_VERSION} (docs/method.md)"
        )
    defined = {(section, code) for section, code, _field in found}
    quick = found.get(("method", "", "quick_mode")) == ["True"]
    for index, section in enumerate(("cadre", "criterion", "group", "grade")):
        for code in sorted({str(key[index]) for key in counts}):
            if (section, code) not in defined and not (
                section == "criterion" and quick and code == "overall"
            ):
                problems.append(f"counts.csv uses {section} {code}, which codebook.csv does not define")
    return problems


def check_codebook_block(results: dict) -> list[str]:
    """results.json's own codebook says what its scheme and cadres say (the codebook.csv is made from it)."""
    book, scheme = results["codebook"], results["scheme"]
    problems = []
    for kind in sorted(set(book["groups"]) | set(scheme["groups"])):
        stated, applied = book["groups"].get(kind, {}).get("weight"), scheme["groups"].get(kind)
        if stated != applied:
            problems.append(f"codebook group {kind}: weight {stated}, but the scheme applied {applied}")
    grades = {
        grade["code"]: {key: grade[key] for key in ("label", "value", "standing")}
        for grade in scheme["grades"]
    }
    if book["grades"] != grades:
        problems.append(f"codebook grades {book['grades']}, but the scheme's are {grades}")
    criteria = {criterion["code"]: criterion["name"] for criterion in scheme["criteria"]}
    if book["criteria"] != criteria:
        problems.append(f"codebook criteria {book['criteria']}, but the scheme's are {criteria}")
    cadres = {str(cadre["id"]): cadre["name"] for cadre in results["cadres"]}
    if {key: cadre["name"] for key, cadre in book["cadres"].items()} != cadres:
        problems.append(f"codebook cadres {sorted(book['cadres'])}, but results.json lists {sorted(cadres)}")
    return problems


def _digest(name: str, content: bytes, published: str | None) -> list[str]:
    digest = hashlib.sha256(content).hexdigest()
    return [] if digest == published else [f"{name} has SHA-256 {digest}, results.json published {published}"]


def check_rule(results: dict) -> list[str]:
    """The k rule, applied again to the published ballots per group, gives the published disclosure."""
    published = results["disclosure"]
    turnout = results["turnout"]
    rule = disclosure.decide(turnout["by_group"], results["scheme"]["min_cell"])
    expected = {**rule.as_json(), "ballots_by_group": disclosure.disclosed_ballots(turnout["by_group"], rule)}
    return [
        f"disclosure {key}: the k rule gives {expected[key]}, results.json published {published.get(key)}"
        for key in expected
        if expected[key] != published.get(key)
    ]


def check_consistency(counts: Counter, results: dict, receipts: list[str] | None) -> list[str]:
    """The rules between the counts and the ballot counts (the codebook's consistency_rules)."""
    problems = []
    ballots = results["ballots"]
    turnout = results["turnout"]
    by_group = results["disclosure"]["ballots_by_group"]
    if sum(by_group.values()) != ballots:
        problems.append(f"the groups' ballots add up to {sum(by_group.values())}, not the {ballots} ballots")
    for name, value in (("turnout ballots", turnout["ballots"]), ("codes used", turnout.get("codes_used"))):
        if value != ballots:
            problems.append(f"{name}: {value}, but {ballots} ballots")
    if receipts is not None:
        if len(receipts) != ballots:
            problems.append(f"receipts.txt lists {len(receipts)} receipts, but {ballots} ballots")
        if receipts != sorted(set(receipts)):
            problems.append("receipts.txt is not a sorted list of distinct receipts")
    if not results["disclosure"]["figures_shown"]:
        if counts:
            problems.append("counts.csv has rows, but the meeting is below k: no count may be published")
        return problems
    sums = disclosure.column_sums(counts)
    lines = [criterion["code"] for criterion in results["scheme"]["criteria"]]
    for group in sorted({key[2] for key in sums} - set(by_group)):
        problems.append(f"counts.csv has group {group}, which results.json does not publish")
    for cadre in results["cadres"]:
        for criterion in lines:
            for group, expected in by_group.items():
                found = sums.get((cadre["id"], criterion, group), 0)
                if found != expected:
                    problems.append(
                        f"cadre {cadre['id']} criterion {criterion} group {group}: the column sums to "
                        f"{found}, but the group cast {expected} ballots"
                    )
    return problems


def check_figures(counts: Counter, results: dict) -> list[str]:
    """Every cadre's published figures, worked out again from the counts."""
    problems = []
    spec = aggregation.SchemeSpec.from_document(results["scheme"])
    published = {cadre["id"]: cadre for cadre in results["cadres"]}
    shown = results["disclosure"]["figures_shown"]
    pooled = results["disclosure"]["pooled"]
    tallied = aggregation.tally(counts, spec, list(published))
    ranks = aggregation.rank_cadres(tallied)
    for cadre_id, cadre in published.items():
        if shown:
            fresh = {**aggregation.result_as_json(tallied[cadre_id]), "rank": ranks.get(cadre_id)}
            fresh["groups"] = {kind: stats for kind, stats in fresh["groups"].items() if kind not in pooled}
        else:
            fresh = {}
        for key in ("criteria", "overall", "groups", "verdict", "rank"):
            if fresh.get(key) != cadre.get(key):
                problems.append(
                    f"cadre {cadre_id} ({cadre['name']}): {key} recounts to {fresh.get(key)}, "
                    f"published {cadre.get(key)}"
                )
    return problems


def check_versions(results: dict) -> list[str]:
    """The document's format and method, and the thresholds its method block says it applied."""
    problems = []
    if results.get("format") != FORMAT:
        problems.append(f"results.json has format {results.get('format')}; this recount reads {FORMAT}")
    method = results.get("method") or {}
    if method.get("version") != aggregation.METHOD_VERSION:
        problems.append(
            f"results.json was worked out by method version {method.get('version')}; this recount "
            f"follows version {aggregation.METHOD_VERSION} (docs/method.md)"
        )
    scheme = results["scheme"]
    for key, source in (
        ("excellent_share", "excellent_share"),
        ("incompetent_share", "incompetent_share"),
        ("min_graded", "min_graded"),
        ("k", "min_cell"),
    ):
        if method.get(key) != scheme.get(source):
            problems.append(f"method {key}: {method.get(key)}, but the scheme says {scheme.get(source)}")
    return problems


def check_turnout(results: dict) -> list[str]:
    """The turnout's figures follow from its counts: rate, quorum, groups."""
    turnout = results["turnout"]
    problems = []
    by_group = turnout["by_group"]
    if any(not isinstance(n, int) or n < 0 for n in by_group.values()):
        problems.append(f"turnout by group holds a count that is not a whole number of ballots: {by_group}")
        return problems
    from_roll = turnout["ballots"] - by_group.get(PANEL, 0)
    rate = aggregation.publish(Fraction(from_roll, turnout["roll"])) if turnout["roll"] else None
    if rate != turnout["rate"]:
        problems.append(f"turnout rate recounts to {rate}, published {turnout['rate']}")
    if sum(by_group.values()) != turnout["ballots"]:
        problems.append(f"turnout by group adds up to {sum(by_group.values())}, not {turnout['ballots']}")
    if from_roll > turnout["present"]:
        problems.append(f"{from_roll} ballots from the roll, but only {turnout['present']} people present")
    share = QUORUM_SHARE.get(results["meeting"]["kind"])
    if share is None:
        problems.append(f"unknown kind of meeting {results['meeting']['kind']!r}: no quorum rule")
        return problems
    required = int(turnout["roll"] * share) + 1
    if required != turnout["quorum_required"]:
        problems.append(f"quorum required recounts to {required}, published {turnout['quorum_required']}")
    met = turnout["roll"] > 0 and turnout["present"] >= required
    if met != turnout["quorum_met"]:
        problems.append(f"quorum met recounts to {met}, published {turnout['quorum_met']}")
    return problems


def check_nominations(results: dict) -> list[str]:
    """The nominations count and the honor roll's votes: withheld below k, and within what the ballots allow.

    counts.csv holds no nomination, so a vote is checked against its bounds (each at most one per
    ballot; together at most the nominations; those at most the ballots times the scheme's limit).
    """
    shown = results["disclosure"]["figures_shown"]
    nominations = results.get("nominations")
    roll = results.get("honor_roll", [])
    if not shown:
        return [] if nominations is None else [f"nominations: {nominations} published below k"]
    ballots = results["ballots"]
    limit = results["scheme"].get("max_nominations")
    if not isinstance(nominations, int) or nominations < 0:
        return [f"nominations: {nominations!r} is not a count"]
    problems = []
    if limit is not None and nominations > ballots * limit:
        problems.append(f"nominations: {nominations}, more than {ballots} ballots × {limit} a ballot")
    votes = [row["votes"] for row in roll]
    for row in roll:
        if not isinstance(row["votes"], int) or not 0 <= row["votes"] <= ballots:
            problems.append(
                f"honor roll household {row['number']}: {row['votes']!r} votes, not a count of at most "
                f"{ballots} ballots"
            )
    if all(isinstance(vote, int) for vote in votes) and sum(votes) > nominations:
        problems.append(f"the honor roll's votes add up to {sum(votes)}, more than {nominations} nominations")
    return problems


def read_evaluations(content: bytes) -> dict[tuple[int, str], int]:
    """evaluations.csv → (proposal id, answer) → ballots."""
    rows = (
        [opendata.from_spreadsheet(cell) for cell in row]
        for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))
    )
    header = next(rows, None)
    if header != EVALUATIONS_HEADER:
        raise OpenDataError(
            f"evaluations.csv must start with the header {','.join(EVALUATIONS_HEADER)}, not {header}"
        )
    counts = {}
    for line, row in enumerate(rows, start=2):
        try:
            proposal, answer, n = row
            counts[(int(proposal), answer)] = int(n)
        except ValueError as error:
            raise OpenDataError(f"evaluations.csv line {line} is not proposal,answer,n: {row}") from error
    return counts


def check_households(results: dict, evaluations_file: bytes | None = None) -> list[str]:
    """Every household's evaluation: its counts withheld below k, else adding up to the meeting's
    ballots, and its outcome worked out again from them and its threshold; evaluations.csv, when given,
    is the file published and holds the published counts."""
    households = results.get("households")
    if households is None:
        return ["evaluations.csv was given, but results.json holds no household"] if evaluations_file else []
    problems = []
    if evaluations_file is not None:
        problems += _digest("evaluations.csv", evaluations_file, results.get("evaluations_sha256"))
        published = {
            (household["id"], answer): household[answer]
            for household in households
            for answer in opendata.EVALUATION_ANSWERS
            if household[answer] is not None
        }
        found = read_evaluations(evaluations_file)
        for key in sorted(set(found) | set(published)):
            if found.get(key) != published.get(key):
                problems.append(
                    f"evaluations.csv household {key[0]} {key[1]}: {found.get(key)}, results.json says "
                    f"{published.get(key)}"
                )
    shown = results["disclosure"]["figures_shown"]
    for household in households:
        name = f"household {household['id']} ({household['head']})"
        answers = {answer: household[answer] for answer in opendata.EVALUATION_ANSWERS}
        if not isinstance(household.get("passed"), bool):
            problems.append(f"{name}: the outcome {household.get('passed')!r} is not passed or not")
        if household["ballots"] != results["ballots"]:
            problems.append(
                f"{name}: {household['ballots']} ballots, but the meeting counted {results['ballots']}"
            )
        if not shown:
            if any(value is not None for value in answers.values()):
                problems.append(f"{name}: counts published below k")
            continue
        if any(not isinstance(value, int) or value < 0 for value in answers.values()):
            problems.append(f"{name}: {answers} are not counts")
            continue
        if sum(answers.values()) != household["ballots"]:
            problems.append(
                f"{name}: the answers add up to {sum(answers.values())}, not {household['ballots']}"
            )
            continue
        threshold = household["threshold"]
        passed = aggregation.household_passes(
            **answers,
            ballots=household["ballots"],
            threshold=Fraction(threshold["numerator"], threshold["denominator"]),
        )
        if passed != household.get("passed"):
            problems.append(
                f"{name}: the outcome recounts to passed={passed}, published {household.get('passed')}"
            )
    return problems


def check_two_years(results: dict) -> list[str]:
    """The two-years flag needs this year's verdict "incompetent" (last year's is not in the open data)."""
    return [
        f"cadre {cadre['id']} ({cadre['name']}): flagged incompetent two years running with the verdict "
        f"{cadre.get('verdict')}"
        for cadre in results["cadres"]
        if cadre.get("incompetent_two_years") and cadre.get("verdict") != aggregation.INCOMPETENT
    ]


def check_honor_roll(results: dict) -> list[str]:
    """The honor roll's ranks follow from its published votes (none below k)."""
    roll = results.get("honor_roll", [])
    votes = {row["household"]: row["votes"] for row in roll}
    if not results["disclosure"]["figures_shown"]:
        return [
            f"honor roll household {row['number']}: votes or rank published below k"
            for row in roll
            if row["votes"] is not None or row["rank"] is not None
        ]
    if not all(isinstance(vote, int) for vote in votes.values()):
        return []  # named by check_nominations
    ranks = {household: rank for household, _votes, rank in aggregation.rank_households(votes)}
    return [
        f"honor roll household {row['number']}: rank recounts to {ranks[row['household']]}, "
        f"published {row['rank']}"
        for row in roll
        if ranks[row["household"]] != row["rank"]
    ]


def recount(
    counts_file: bytes,
    results: dict,
    receipts_file: bytes | None = None,
    codebook_file: bytes | None = None,
    evaluations_file: bytes | None = None,
) -> list[str]:
    """Every difference between the open data's recount and the published results; empty if none."""
    if "format" not in results or "counts_sha256" not in results:
        raise OpenDataError(
            "this results.json is from before counts.csv was published (it has no counts_sha256); it was "
            "recounted from that time's ballots.csv, which is no longer public"
        )
    problems = check_versions(results)
    problems += _digest("counts.csv", counts_file, results["counts_sha256"])
    receipts = None
    if receipts_file is not None:
        problems += _digest("receipts.txt", receipts_file, results["receipts_sha256"])
        receipts = receipts_file.decode("utf-8").splitlines()
    counts = read_counts(counts_file)
    if "codebook" in results:
        problems += check_codebook_block(results)
    if codebook_file is not None:
        problems += check_codebook(codebook_file, counts, results)
    problems += check_rule(results)
    problems += check_consistency(counts, results, receipts)
    problems += check_turnout(results)
    problems += check_figures(counts, results)
    problems += check_two_years(results)
    problems += check_nominations(results)
    problems += check_honor_roll(results)
    problems += check_households(results, evaluations_file)
    return problems


def is_codebook(content: bytes) -> bool:
    """Whether a file given after results.json is codebook.csv (by its header) rather than receipts.txt."""
    first = content.decode("utf-8-sig", errors="replace").partition("\n")[0].strip()
    return first == ",".join(CODEBOOK_HEADER)


def is_evaluations(content: bytes) -> bool:
    """Whether a file given after results.json is evaluations.csv (by its header)."""
    first = content.decode("utf-8-sig", errors="replace").partition("\n")[0].strip()
    return first == ",".join(EVALUATIONS_HEADER)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3, 4, 5):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        with open(argv[0], "rb") as counts_file, open(argv[1], encoding="utf-8") as results_file:
            counts, results = counts_file.read(), json.load(results_file)
        receipts = codebook = evaluations = None
        # receipts.txt, codebook.csv and evaluations.csv in any order (or some alone): the CSVs by their
        # headers.
        for name in argv[2:]:
            with open(name, "rb") as extra_file:
                content = extra_file.read()
            if is_evaluations(content):
                if evaluations is not None:
                    print(f"cannot recount: {name} is a second evaluations.csv", file=sys.stderr)
                    return 2
                evaluations = content
            elif is_codebook(content) and codebook is None:
                codebook = content
            elif not is_codebook(content) and receipts is None:
                receipts = content
            else:
                kind = "codebook.csv" if is_codebook(content) else "receipts.txt"
                print(f"cannot recount: {name} is a second {kind}", file=sys.stderr)
                return 2
        problems = recount(counts, results, receipts, codebook, evaluations)
        given = (
            ("counts.csv", counts),
            ("receipts.txt", receipts),
            ("codebook.csv", codebook),
            ("evaluations.csv", evaluations),
        )
    except (OSError, ValueError, KeyError) as error:
        print(f"cannot recount: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    if not problems:
        names = [name for name, content in given if content is not None]
        checked = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        print(
            f"OK: {results['ballots']} ballots; {checked} match their SHA-256 "
            f"(counts {results['counts_sha256']}); every figure recounts."
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
