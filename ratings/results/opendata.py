"""The public files of a meeting's results, byte for byte: counts.csv, receipts.txt, and the codebook.

Canonical on purpose (sorted rows, UTF-8 without BOM, LF line ends): the same counts always give the
same bytes, so results.json can carry their SHA-256 and anyone can check a download against it.
ratings/recount.py reads these formats back; what each column means is in `CODEBOOK_FILES`.

No per-ballot row is public: counts.csv holds histograms only (already under the k rule,
ratings/disclosure.py) and receipts.txt holds receipts only, joined to nothing. The per-ballot file
stays on the server (tally.ballots_csv), sealed by its SHA-256 in the snapshot for verify_results.
"""

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping

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
}
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


def counts_csv(rows: Iterable[Iterable]) -> bytes:
    """The counts file from `count_rows`' rows, in their (sorted) order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COUNTS_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def receipts_txt(receipts: Iterable[str]) -> bytes:
    """One receipt a line, sorted: random codes in sorted order say nothing of who voted when."""
    return "".join(f"{receipt}\n" for receipt in sorted(receipts)).encode("utf-8")
