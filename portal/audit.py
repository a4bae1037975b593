"""Writing and verifying the audit log. Every privileged service calls `record`.

Each village and each township keeps a chain of its own, so that villages holding their meetings in the
same hour do not queue on one lock (bench/audit.py measures it); entries about no place go to the county
chain. The county chain vouches for the others: it records when each chain begins, and the head of a
village's chain after each event that closes a stage of a meeting (ANCHORING_ACTIONS) and whenever
`anchor_audit` runs. A head folded in there, or printed on a results notice, pins the chain up to that
entry: `verify_audit` finds a chain cut back past it, or rewritten before it.

Lock order: a division's head, then the county's, never the reverse (folding and opening a chain take
them in that order), so that two writers never wait on each other in a circle.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from portal.models import AuditChainHead, AuditEntry, Township, Village
from portal.models.audit import CHAIN_ANCHOR, CHAIN_OPEN, COUNTY_CHAIN, GENESIS_HASH

# What an entry's target belongs to, nearest first: a report to its meeting, an attachment to its report,
# an objection to its snapshot, and each of those in the end to a village.
PARENTS = ("village", "township", "meeting", "snapshot", "report", "commitment")
# After these the village's head is folded into the county chain: each closes a stage that a printed
# notice or a later dispute refers to.
ANCHORING_ACTIONS = frozenset(
    {
        "voting_open",
        "voting_close",
        "paper_close",
        "results_publish",
        "results_finalize",
        "results_withdraw",
        "meeting_annul",
    }
)


def scope_of(target) -> str:
    """The division code an entry belongs to, so that a township sees its own villages' entries.

    A village's code begins with its township's code, so one prefix filter finds both. The place is
    found by following the target's parents (PARENTS) until a village or a township.
    """
    place = target
    for _depth in range(len(PARENTS)):
        if isinstance(place, (Township, Village)):
            return place.code
        place = next(
            (getattr(place, name) for name in PARENTS if getattr(place, name, None) is not None), None
        )
    return ""


@transaction.atomic
def record(*, actor, action: str, target=None, details: dict | None = None, scope: str = "") -> AuditEntry:
    """Append one entry to the chain of the division it belongs to (the county's if none).

    Runs inside the caller's transaction, so the entry commits or rolls back with the action it
    records. The chain's head row is locked for the rest of that transaction: appends to one chain are
    serialized, appends to two villages' chains are not.
    """
    scope = scope or scope_of(target)
    head = _locked_head(scope, actor)
    entry = _append(head, actor=actor, action=action, target=target, details=details or {})
    if head.chain != COUNTY_CHAIN and action in ANCHORING_ACTIONS:
        _fold(head, actor=actor, target=target, after=action)
    return entry


def _locked_head(chain: str, actor) -> AuditChainHead:
    """The chain's head, locked until the transaction ends; a new chain is announced in the county's."""
    head, created = AuditChainHead.objects.select_for_update().get_or_create(chain=chain)
    if created and chain != COUNTY_CHAIN:
        county = _locked_head(COUNTY_CHAIN, actor)
        _append(county, actor=actor, action=CHAIN_OPEN, target=None, details={"chain": chain})
    return head


def _append(head: AuditChainHead, *, actor, action: str, target, details: dict) -> AuditEntry:
    entry = AuditEntry(
        chain=head.chain,
        seq=head.seq + 1,
        created_at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_name=_actor_name(actor),
        action=action,
        target_type=_target_type(target),
        target_id=str(target.pk) if isinstance(target, models.Model) else "",
        target_label=str(target)[:255] if target is not None else "",
        scope=head.chain,
        details=details,
        prev_hash=head.hash,
    )
    entry.hash = entry.compute_hash()
    entry.save()
    head.seq, head.hash = entry.seq, entry.hash
    head.seal = head.compute_seal()
    head.save(update_fields=["seq", "hash", "seal"])
    return entry


def _fold(head: AuditChainHead, *, actor, target=None, after: str = "") -> AuditEntry:
    """Record a division chain's head (locked by the caller) as an entry of the county chain."""
    county = _locked_head(COUNTY_CHAIN, actor)
    anchor = _append(
        county,
        actor=actor,
        action=CHAIN_ANCHOR,
        target=target,
        details={"chain": head.chain, "seq": head.seq, "hash": head.hash, "after": after},
    )
    head.anchored_seq = head.seq
    head.save(update_fields=["anchored_seq"])
    return anchor


def anchor_all(*, actor=None) -> int:
    """Fold every chain that grew since its last fold into the county chain; how many were folded.

    One transaction per chain, so that the lock order (the division's head, then the county's) holds.
    """
    folded = 0
    moved = AuditChainHead.objects.exclude(chain=COUNTY_CHAIN).filter(seq__gt=F("anchored_seq"))
    for chain in list(moved.values_list("chain", flat=True)):
        with transaction.atomic():
            head = AuditChainHead.objects.select_for_update().get(chain=chain)
            if head.seq > head.anchored_seq:
                _fold(head, actor=actor)
                folded += 1
    return folded


def _actor_name(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return actor.get_username()


def _target_type(target) -> str:
    if isinstance(target, models.Model):
        return target._meta.label_lower
    return ""


# --- anchors -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """A chain's head at a moment, as the county chain recorded it: what a notice prints."""

    chain: str
    seq: int
    hash: str
    county_seq: int
    county_hash: str

    @property
    def chain_name(self) -> str:
        return self.chain or "county"

    def argument(self) -> str:
        """How `verify_audit --anchor` takes it."""
        return f"{self.chain_name}:{self.seq}:{self.hash}"


def anchor_of(target: models.Model, *, after: str) -> Anchor | None:
    """The head folded into the county chain after `after` on this target (the latest, if several)."""
    fold = (
        AuditEntry.objects.filter(
            chain=COUNTY_CHAIN,
            action=CHAIN_ANCHOR,
            target_type=_target_type(target),
            target_id=str(target.pk),
            details__after=after,
        )
        .order_by("-seq")
        .first()
    )
    if fold is None:
        return None
    return Anchor(fold.details["chain"], fold.details["seq"], fold.details["hash"], fold.seq, fold.hash)


def parse_anchor(text: str) -> tuple[str, int, str]:
    """'653121100201:57:<64 hex>' or 'county:1234:<64 hex>' → (chain, seq, hash); ValueError if not."""
    chain, seq, digest = text.strip().split(":")
    chain = "" if chain == "county" else chain
    if not (chain == "" or chain.isdigit()) or len(digest) != 64 or int(seq) < 1:
        raise ValueError(text)
    int(digest, 16)
    return chain, int(seq), digest.lower()


# --- verifying -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    chain: str
    entry: AuditEntry | None
    reason: str

    @property
    def chain_name(self) -> str:
        return self.chain or "county"


@dataclass
class ChainReport:
    """What verify_chain found: entries and chains checked, anchors matched, and every problem."""

    checked: int = 0
    chains: int = 0
    anchors: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(*, anchors: Iterable[tuple[str, int, str]] = ()) -> ChainReport:
    """Walk every chain, recomputing every keyed hash and link, and check each against its anchors.

    The county chain first: it names the chains that must exist (CHAIN_OPEN) and the heads they must
    contain (CHAIN_ANCHOR). `anchors` are heads copied from elsewhere (a printed notice), as
    (chain, seq, hash); they are checked the same way and need not be in the database at all.
    """
    report = ChainReport()
    expected: dict[str, dict[int, tuple[str, str]]] = {}
    for chain, seq, digest in anchors:
        expected.setdefault(chain, {})[seq] = (digest, "the anchor given")
    heads = {head.chain: head for head in AuditChainHead.objects.all()}
    chains = set(heads) | set(AuditEntry.objects.values_list("chain", flat=True).distinct())
    opened: set[str] = set()

    def county_entry(entry: AuditEntry) -> None:
        if entry.action == CHAIN_OPEN:
            opened.add(entry.details.get("chain", ""))
        elif entry.action == CHAIN_ANCHOR:
            details = entry.details
            source = f"county entry #{entry.seq}"
            expected.setdefault(details.get("chain", ""), {}).setdefault(
                details.get("seq", 0), (details.get("hash", ""), source)
            )

    if chains or expected.get(COUNTY_CHAIN):
        _walk(report, COUNTY_CHAIN, heads.get(COUNTY_CHAIN), expected.get(COUNTY_CHAIN, {}), county_entry)
    # A county chain broken part way has not said which chains it opened: its own problem is the news.
    county_whole = not report.problems
    for chain in sorted(chains - {COUNTY_CHAIN}):
        if county_whole and chain not in opened:
            report.problems.append(Problem(chain, None, "the county chain does not record its opening"))
        _walk(report, chain, heads.get(chain), expected.get(chain, {}))
    for chain in sorted((opened | set(expected)) - chains - {COUNTY_CHAIN}):
        report.problems.append(Problem(chain, None, "the whole chain is missing"))
    return report


def _walk(report: ChainReport, chain: str, head, expected: dict, each=None) -> None:
    """One chain, from its first entry; stops at its first problem."""
    report.chains += 1
    previous, seq = GENESIS_HASH, 1
    entries = AuditEntry.objects.filter(chain=chain).order_by("seq")
    for entry in entries.iterator(chunk_size=2000):
        reason = ""
        if entry.seq != seq:
            reason = f"entry #{seq} is missing"
        elif entry.prev_hash != previous:
            reason = "its link to the previous entry is broken"
        elif entry.compute_hash() != entry.hash:
            reason = "its content does not match its keyed hash"
        elif entry.seq in expected and expected[entry.seq][0] != entry.hash:
            reason = f"it is not the entry {expected[entry.seq][1]} vouches for"
        if reason:
            report.problems.append(Problem(chain, entry, reason))
            return
        report.anchors += entry.seq in expected
        if each is not None:
            each(entry)
        previous, seq, report.checked = entry.hash, seq + 1, report.checked + 1
    last = seq - 1
    beyond = sorted(number for number in expected if number > last)
    if beyond:
        source = expected[beyond[-1]][1]
        reason = f"entries after #{last} have been removed ({source} vouches for entry #{beyond[-1]})"
        report.problems.append(Problem(chain, None, reason))
    elif head is None:
        if last:
            report.problems.append(Problem(chain, None, "its head is missing"))
    elif head.seq != last or head.hash != previous:
        report.problems.append(Problem(chain, None, f"entries after #{last} have been removed"))
    elif head.seal != head.compute_seal():
        reason = f"its head was moved back or rewritten: the seal of #{last} is not the key's"
        report.problems.append(Problem(chain, None, reason))
