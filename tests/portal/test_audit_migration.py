"""portal.0003: the one plain SHA-256 chain of before becomes the county chain, sealed with the key;
a log that was already broken stops the migration instead of being sealed."""

import datetime
import hashlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal import audit
from portal.models import AuditChainHead, AuditEntry

BEFORE = [("portal", "0002_resident_on_one_roll")]
AFTER = [("portal", "0003_audit_chains_keyed")]
GENESIS = "0" * 64


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def legacy_log(apps, count: int) -> list:
    """Entries as the portal wrote them before: plain SHA-256 of the content, one chain, one head."""
    Entry, Head = apps.get_model("portal", "AuditEntry"), apps.get_model("portal", "AuditChainHead")
    previous, entries = GENESIS, []
    for seq in range(1, count + 1):
        entry = Entry(
            seq=seq,
            created_at=datetime.datetime(2025, 11, 1, 9, seq, tzinfo=datetime.UTC),
            actor_id=None,
            actor_name="system",
            action="code_issue",
            target_type="meetings.meeting",
            target_id="7",
            target_label="Bostan 2025",
            scope="653121100201",
            details={"codes": seq},
            prev_hash=previous,
        )
        content = {
            "seq": entry.seq,
            "created_at": entry.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": None,
            "actor_name": entry.actor_name,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "target_label": entry.target_label,
            "scope": entry.scope,
            "details": entry.details,
            "prev_hash": previous,
        }
        raw = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        entry.hash = previous = hashlib.sha256(raw).hexdigest()
        entry.save()
        entries.append(entry)
    Head.objects.update_or_create(pk=1, defaults={"seq": count, "hash": previous})
    return entries


@pytest.fixture
def before(transactional_db):
    # Back to before the migration: an empty log goes back and forth freely.
    apps = migrate(BEFORE)
    yield apps
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table}")
        cursor.execute(f"DELETE FROM {AuditChainHead._meta.db_table}")
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_an_intact_legacy_log_becomes_the_county_chain_sealed_with_the_key(before):
    legacy_log(before, 5)
    migrate(AFTER)
    entries = list(AuditEntry.objects.in_chain_order())
    assert [(entry.chain, entry.seq, entry.details) for entry in entries] == [
        ("", seq, {"codes": seq}) for seq in range(1, 6)
    ]
    report = audit.verify_chain()
    assert report.intact, report.problems
    assert report.checked == 5


def test_a_broken_legacy_log_stops_the_migration(before):
    entries = legacy_log(before, 4)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [entries[1].pk])
    with pytest.raises(RuntimeError, match="broken at entry #2"):
        migrate(AFTER)
