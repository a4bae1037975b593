"""The audit log: one chain per division anchored in a county chain, entries keyed with PORTAL_AUDIT_KEY.

Every entry so far is in the one chain, which becomes the county chain. Its plain SHA-256 hashes are
checked first, and the migration stops, naming the first broken entry, if they do not hold: sealing a
tampered log under the key would vouch for the tampering. Then each entry is sealed anew, in order, with
the keyed hash the portal now computes (HMAC-SHA256 of the same content plus the chain's name).
The hashing is copied here, not imported, so that this migration keeps doing what it did.
"""

import datetime
import hashlib
import hmac
import json

from django.conf import settings
from django.db import migrations, models

GENESIS_HASH = "0" * 64


def _content(entry, **extra) -> bytes:
    content = {
        "seq": entry.seq,
        "created_at": entry.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_label": entry.target_label,
        "scope": entry.scope,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        **extra,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _keyed(content: bytes) -> str:
    return hmac.new(settings.AUDIT_KEY.encode(), content, hashlib.sha256).hexdigest()


def seal_with_the_key(apps, schema_editor):
    AuditEntry = apps.get_model("portal", "AuditEntry")
    AuditChainHead = apps.get_model("portal", "AuditChainHead")
    alias = schema_editor.connection.alias
    legacy_previous, previous, seq = GENESIS_HASH, GENESIS_HASH, 0
    for entry in AuditEntry.objects.using(alias).order_by("seq").iterator(chunk_size=2000):
        seq += 1
        if (
            entry.seq != seq
            or entry.prev_hash != legacy_previous
            or hashlib.sha256(_content(entry)).hexdigest() != entry.hash
        ):
            raise RuntimeError(
                f"The audit log is broken at entry #{seq} (run verify_audit on the previous version): it "
                "cannot be sealed with PORTAL_AUDIT_KEY. Restore the log from a backup, then migrate again."
            )
        legacy_previous = entry.hash
        entry.prev_hash = previous
        entry.hash = _keyed(_content(entry, chain=""))
        entry.save(update_fields=["prev_hash", "hash"])
        previous = entry.hash
    head = AuditChainHead.objects.using(alias).filter(chain="").first()
    if head is None and not seq:
        return
    if head is None or head.seq != seq or head.hash != legacy_previous:
        raise RuntimeError(
            f"The audit log's head does not point at its last entry #{seq}: entries were removed. Restore "
            "the log from a backup, then migrate again."
        )
    head.hash = previous
    head.seal = _keyed(f"head||{head.seq}|{head.hash}".encode())
    head.save(update_fields=["hash", "seal"])


def back_to_plain_sha256(apps, schema_editor):
    """Going back is possible while every entry is still in the county chain (no village wrote since)."""
    AuditEntry = apps.get_model("portal", "AuditEntry")
    AuditChainHead = apps.get_model("portal", "AuditChainHead")
    alias = schema_editor.connection.alias
    if AuditEntry.objects.using(alias).exclude(chain="").exists():
        raise RuntimeError("Villages' audit chains cannot be merged back into one plain chain.")
    previous = GENESIS_HASH
    for entry in AuditEntry.objects.using(alias).order_by("seq").iterator(chunk_size=2000):
        entry.prev_hash = previous
        entry.hash = previous = hashlib.sha256(_content(entry)).hexdigest()
        entry.save(update_fields=["prev_hash", "hash"])
    AuditChainHead.objects.using(alias).exclude(chain="").delete()
    AuditChainHead.objects.using(alias).filter(chain="").update(hash=previous, seal="")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_resident_on_one_roll"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditentry",
            options={
                "default_permissions": ("view",),
                "ordering": ["-pk"],
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit log",
            },
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="chain",
            field=models.CharField(blank=True, default="", max_length=12, unique=True),
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="seal",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="anchored_seq",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="chain",
            field=models.CharField(blank=True, default="", editable=False, max_length=12, verbose_name="chain"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, verbose_name="number"),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(fields=("chain", "seq"), name="audit_entry_once_in_chain"),
        ),
        migrations.RunPython(seal_with_the_key, back_to_plain_sha256, elidable=False),
    ]
