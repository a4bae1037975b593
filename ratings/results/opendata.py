"""The public files of a meeting's results, byte for byte: counts.csv, receipts.txt, and the codebook.

Canonical on purpose (sorted rows, LF line ends): the same counts always give the same bytes, so
results.json can carry their SHA-256 and anyone can check a download against it. ratings/recount.py
reads these formats back; what each column means is in `CODEBOOK_FILES`.

For spreadsheets (results published with `SPREADSHEET_KEY`): every CSV starts with a UTF-8 byte-order
mark, without which Excel on Chinese Windows reads UTF-8 as GBK and garbles every Chinese or Uyghur
word; and a text value Excel would turn into a number or a date (a code "007" or "1-2", a household
number, the 12-digit village code that becomes 6.53E+11) is written as the formula ="007", which
Excel shows as the text 007, exact. A leading apostrophe would stay visible in a cell opened from a
CSV, and a leading tab would stay inside the value, so neither keeps a lookup exact; ="..." does,
and `from_spreadsheet` (used by the recount) reads it back.

No per-ballot row is public: counts.csv holds histograms only (already under the k rule,
ratings/disclosure.py) and receipts.txt holds receipts only, joined to nothing. The per-ballot file
stays on the server (tally.ballots_csv), sealed by its SHA-256 in the snapshot for verify_results.
"""

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from decimal import Decimal

# The spreadsheet-safe CSV is the portal's (the audit log exports it too); the recount reads it back.
from portal.spreadsheets import BOM, for_spreadsheet, from_spreadsheet, spreadsheet_csv  # noqa: F401

COUNTS_HEADER = ("cadre", "criterion", "group", "grade", "n")
CODEBOOK_FILES = {
    "counts.csv": {
        "cadre": "the cadre's id (see codebook.cadres)",
        "criterion": "the criterion's code (see codebook.criteria); 'overall' when the ballot gives each "
        "cadre one grade (quick mode)",
        "group": "the voter group's code (see codebook.groups); a group of fewer than k ballots is counted "
        "under the group named for it in disclosure.pooled",
        "grade": "the grade's code (see codebook.grades); a grade of standing 'abstain' is 'don't know', "
        "counted in the ballots but in no figure",
        "n": "how many ballots gave that grade on that line; a combination not listed is 0",
    },
    "receipts.txt": "the receipt of every counted ballot, one a line, sorted; it proves a ballot is in the "
    "box and says nothing of its grades",
    "results.json": "every published figure; turnout and consistency give the ballot counts the "
    "columns of counts.csv must sum to",
    "codebook.csv": "section,code,field,value: one fact a row (a code's label in each language, a grade's "
    "value and standing, a group's weight, the method's version and thresholds); what results.json "
    "says under codebook and method, for a spreadsheet",
}
# Only in the results of a meeting that voted on households' evaluations.
EVALUATION_FILES = {
    "evaluations.csv": {
        "proposal": "the household's evaluation (see codebook.households: its head, decision and threshold)",
        "answer": "agree, disagree or abstain (see codebook.answers); an abstention is a ballot that did "
        "not agree",
        "n": "how many ballots gave that answer; every answer is listed, 0 included; no row when the "
        "meeting holds fewer than k ballots",
    },
}
EVALUATIONS_HEADER = ("proposal", "answer", "n")
EVALUATION_ANSWERS = ("agree", "disagree", "abstain")
EVALUATION_RULES = (
    "each household's agree, disagree and abstain add up to its ballots, which are the meeting's ballots",
    "a household passes when agree / ballots is more than its threshold (numerator/denominator), "
    "whether or not its counts are published",
)
# In results.json: true when counts.csv and codebook.csv are written for spreadsheets (see above).
# Results published before it was introduced have a counts.csv without BOM, and keep it: its SHA-256
# is published.
SPREADSHEET_KEY = "csv_for_spreadsheets"
CODEBOOK_HEADER = ("section", "code", "field", "value")
# Published as decimal strings; in a spreadsheet they are numbers (0.300 is 0.3, exactly).
NUMBER_FIELDS = ("weight", "excellent_share", "incompetent_share")
CONSISTENCY_RULES = (
    "every (cadre, criterion, group) column of counts.csv sums to disclosure.ballots_by_group[group]",
    "the ballots of disclosure.ballots_by_group add up to ballots",
    "ballots = turnout.ballots = turnout.codes_used = the lines of receipts.txt",
    "turnout.by_group, pooled as disclosure.pooled says, gives disclosure.ballots_by_group",
    "with disclosure.figures_shown false (fewer than k ballots), counts.csv has no row and no cadre has "
    "a figure",
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def count_rows(counts: Mapping[tuple, int]) -> list[list]:
    """(cadre, criterion, group, grade) → n as sorted rows [cadre, criterion, group, grade, n], n > 0."""
    return [[*key, n] for key, n in sorted(counts.items(), key=lambda item: item[0]) if n > 0]


def counts_csv(rows: Iterable[Iterable], *, for_spreadsheets: bool) -> bytes:
    """The counts file from `count_rows`' rows, in their (sorted) order; see the module's docstring for
    `for_spreadsheets` (false only for results published before it)."""
    if for_spreadsheets:
        return spreadsheet_csv(COUNTS_HEADER, rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COUNTS_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def published_counts_csv(document: Mapping, rows: Iterable[Iterable] | None = None) -> bytes:
    """counts.csv as this results document published it (its rows, unless others are given to check)."""
    return counts_csv(
        document["counts"] if rows is None else rows, for_spreadsheets=document.get(SPREADSHEET_KEY, False)
    )


def evaluation_rows(households: Iterable[Mapping]) -> list[list]:
    """evaluations.csv's rows from results.json's households: each answer of each, in the order published;
    none when their counts are withheld (fewer than k ballots)."""
    return [
        [household["id"], answer, household[answer]]
        for household in households
        for answer in EVALUATION_ANSWERS
        if household[answer] is not None
    ]


def evaluations_csv(households: Iterable[Mapping]) -> bytes:
    """evaluations.csv, for spreadsheets (BOM), as counts.csv is now written."""
    return spreadsheet_csv(EVALUATIONS_HEADER, evaluation_rows(households))


def receipts_txt(receipts: Iterable[str]) -> bytes:
    """One receipt a line, sorted: random codes in sorted order say nothing of who voted when."""
    return "".join(f"{receipt}\n" for receipt in sorted(receipts)).encode("utf-8")


def _number(field: str, value):
    """A share or a weight, published as a decimal string ("0.300"), as the number it is to Excel."""
    if value is None:
        return ""
    return Decimal(value) if field in NUMBER_FIELDS and isinstance(value, str) else value


def codebook_rows(document: Mapping) -> list[list]:
    """codebook.csv's rows from a results document: what every code stands for, and the method.

    One fact a row (section, code, field, value), so that a spreadsheet finds any of them with a
    lookup; labels in the meeting's own words as the scheme has them, and each portal language's.
    Objects in sorted order: PostgreSQL's jsonb gives a snapshot's keys back in an order of its own,
    and the file served from the snapshot must hash to the digest worked out before it was stored.
    """
    meeting, method, scheme, book = (
        document["meeting"],
        document["method"],
        document["scheme"],
        document["codebook"],
    )
    rows: list[list] = [["meeting", "", key, meeting[key]] for key in sorted(meeting)]
    rows += [["method", "", key, _number(key, method[key])] for key in sorted(method)]
    rows += [["method", "", key, scheme[key]] for key in ("quick_mode", "max_nominations") if key in scheme]
    for criterion in scheme["criteria"]:
        rows.append(["criterion", criterion["code"], "name", criterion["name"]])
    for grade in scheme["grades"]:
        rows += [["grade", grade["code"], field, grade[field]] for field in ("label", "value", "standing")]
    for kind, labels in sorted(book["groups"].items()):
        rows += [["group", kind, field, labels[field]] for field in sorted(labels) if field != "weight"]
        rows.append(["group", kind, "weight", _number("weight", labels["weight"])])
    for key, cadre in sorted(book["cadres"].items(), key=lambda item: int(item[0])):
        cadre_id = int(key)  # a number, as in counts.csv's cadre column, so that a lookup matches it
        rows.append(["cadre", cadre_id, "name", cadre["name"]])
        for post in cadre["posts"]:
            rows += [["cadre", cadre_id, f"post {field}", post[field]] for field in sorted(post)]
    for code, labels in sorted(book.get("answers", {}).items()):
        rows += [["answer", code, field, labels[field]] for field in sorted(labels)]
    for code, labels in sorted(book.get("kinds", {}).items()):
        rows += [["decision", code, field, labels[field]] for field in sorted(labels)]
    for key, household in sorted(book.get("households", {}).items(), key=lambda item: int(item[0])):
        rows += [["household", int(key), field, household[field]] for field in sorted(household)]
    for name, columns in sorted(book["files"].items()):
        if isinstance(columns, str):
            rows.append(["file", name, "", columns])
        else:
            rows += [["file", name, column, columns[column]] for column in sorted(columns)]
    rows += [["rule", number, "", rule] for number, rule in enumerate(book["consistency_rules"], start=1)]
    return rows


def codebook_csv(document: Mapping) -> bytes:
    """codebook.csv, for spreadsheets (BOM, codes kept as text): it is new, so it has no older format."""
    return spreadsheet_csv(CODEBOOK_HEADER, codebook_rows(document))
