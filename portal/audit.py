"""Writing and verifying the audit log. Every privileged service calls `record`."""

from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from portal.models import AuditChainHead, AuditEntry, Township, Village
from portal.models.audit import GENESIS_HASH

# What an entry's target belongs to, nearest first: a report to its meeting, an attachment to its report,
# an objection to its snapshot, and each of those in the end to a village.
PARENTS = ("village", "township", "meeting", "snapshot", "report", "commitment")


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
    """Append one entry after the current head of the chain.

    Runs inside the caller's transaction, so the entry commits or rolls back with the action it
    records. The head row is locked for the rest of that transaction: appends are serialized.
    """
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    entry = AuditEntry(
        seq=head.seq + 1,
        created_at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_name=_actor_name(actor),
        action=action,
        target_type=_target_type(target),
        target_id=str(target.pk) if isinstance(target, models.Model) else "",
        target_label=str(target)[:255] if target is not None else "",
        scope=scope or scope_of(target),
        details=details or {},
        prev_hash=head.hash,
    )
    entry.hash = entry.compute_hash()
    entry.save()
    head.seq, head.hash = entry.seq, entry.hash
    head.save(update_fields=["seq", "hash"])
    return entry


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


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken: AuditEntry | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken is None and not self.reason


def verify_chain() -> ChainReport:
    """Walk the whole log in order, recomputing every hash and link."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    last = None
    for entry in AuditEntry.objects.in_chain_order().iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return ChainReport(checked, entry, f"entry #{expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry, "its link to the previous entry is broken")
        if entry.compute_hash() != entry.hash:
            return ChainReport(checked, entry, "its content does not match its hash")
        expected_prev, expected_seq, checked, last = entry.hash, entry.seq + 1, checked + 1, entry
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if head_seq != (last.seq if last else 0) or head_hash != expected_prev:
        return ChainReport(checked, None, f"entries after #{checked} have been removed")
    return ChainReport(checked)
