"""The append-only, hash-chained audit log: one chain per division (village or township), one county chain.

Each entry's hash covers its own content and the previous entry's hash in its chain, so that editing,
deleting or reordering any entry breaks every hash after it. The hash is keyed (HMAC-SHA256 under
settings.AUDIT_KEY, which is not in the database): whoever can write to the database without the key
cannot recompute a valid chain after rewriting an entry. Writing goes through portal.audit.record only;
what each protection catches, and what not, is in docs/production.md (Checking the audit log).
"""

import datetime
import hashlib
import hmac
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64
# The chain of entries that belong to no village or township, into which every other chain is anchored.
COUNTY_CHAIN = ""
# The county chain's own entries: a chain begun, a chain's head folded in (portal.audit).
CHAIN_OPEN = "audit_chain_open"
CHAIN_ANCHOR = "audit_chain_anchor"


def keyed_hash(content: bytes) -> str:
    return hmac.new(settings.AUDIT_KEY.encode(), content, hashlib.sha256).hexdigest()


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit entry through the ORM."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def _raw_delete(self, using):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Audit entries cannot be updated.")

    def in_chain_order(self):
        """Chain by chain, each from its first entry: the order verify_audit walks."""
        return self.order_by("chain", "seq")

    def of_actions(self):
        """Entries that record an action, without the county chain's own bookkeeping."""
        return self.exclude(action__in=[CHAIN_OPEN, CHAIN_ANCHOR])

    def in_order_recorded(self):
        """Oldest first across all chains (within a chain the same as its order: appends are locked)."""
        return self.order_by("pk")

    def by_actor(self, name: str):
        return self.filter(actor_name=name)

    def recorded_between(self, first=None, last=None):
        """Entries recorded from the date `first` to the date `last`, both included, in local time."""
        entries = self
        if first is not None:
            entries = entries.filter(created_at__date__gte=first)
        if last is not None:
            entries = entries.filter(created_at__date__lte=last)
        return entries

    def action_codes(self):
        """The actions recorded in these entries (for the log's filter: only what happened there)."""
        return self.order_by("action").values_list("action", flat=True).distinct()

    def actor_names(self):
        """The names of the accounts that acted in these entries, sorted (for the log's filter)."""
        return self.order_by("actor_name").values_list("actor_name", flat=True).distinct()

    def in_townships(self, townships):
        """Entries about these townships or any of their villages (codes share the prefix)."""
        codes = [t.code for t in townships]
        query = models.Q(pk__in=[])
        for code in codes:
            query |= models.Q(scope__startswith=code)
        return self.filter(query)


class AuditEntry(models.Model):
    # The division code whose chain the entry is in (the same as scope), or COUNTY_CHAIN.
    chain = models.CharField(_("chain"), max_length=12, blank=True, editable=False)
    seq = models.PositiveBigIntegerField(_("number"), editable=False)
    created_at = models.DateTimeField(_("time"), editable=False)
    # The actor is copied, not linked: the log must outlive accounts and never block their removal.
    actor_id = models.BigIntegerField(_("actor id"), null=True, editable=False)
    actor_name = models.CharField(_("actor"), max_length=150, editable=False)
    action = models.CharField(_("action"), max_length=64, editable=False, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True, editable=False)
    target_id = models.CharField(_("target id"), max_length=64, blank=True, editable=False)
    target_label = models.CharField(_("target"), max_length=255, blank=True, editable=False)
    scope = models.CharField(_("division code"), max_length=12, blank=True, editable=False, db_index=True)
    details = models.JSONField(_("details"), default=dict, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, unique=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_entry_once_in_chain")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.chain or 'county'} #{self.seq} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def canonical_content(self) -> bytes:
        """The bytes the hash covers: every recorded field, in a fixed order and encoding."""
        content = {
            "chain": self.chain,
            "seq": self.seq,
            "created_at": self.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_label": self.target_label,
            "scope": self.scope,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def compute_hash(self) -> str:
        return keyed_hash(self.canonical_content())


class AuditChainHead(models.Model):
    """One row per chain holding its newest entry's number and hash, sealed with the key.

    Locking it (SELECT … FOR UPDATE) serializes the writers of one chain, so two transactions can never
    both append after the same entry; on SQLite the IMMEDIATE transaction already does that. One row per
    village lets villages append at once. The seal (a keyed hash of chain, number and hash) is what a
    truncation must forge: the last remaining entry's number and hash are in the database, its seal
    as a head is not.
    """

    chain = models.CharField(max_length=12, unique=True, default=COUNTY_CHAIN, blank=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    seal = models.CharField(max_length=64, blank=True)
    # The last entry folded into the county chain (portal.audit.anchor); a bookmark, not a proof.
    anchored_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"{self.chain or 'county'} #{self.seq} {self.hash[:12]}"

    def compute_seal(self) -> str:
        return keyed_hash(f"head|{self.chain}|{self.seq}|{self.hash}".encode())
