"""The audit log: append-only through the ORM and admin, one keyed chain per division anchored in the
county chain, verified by a command that catches edits, deletions and truncations."""

import hashlib
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.test import override_settings
from django.urls import reverse

from portal import audit
from portal.models import AppendOnlyError, AuditChainHead, AuditEntry
from portal.models.audit import COUNTY_CHAIN, GENESIS_HASH, keyed_hash


@pytest.fixture
def three_entries(county):
    # The county fixture already granted four roles (one entry in the township's chain, three in the
    # village's); add three of our own to the village's chain.
    for number in range(3):
        audit.record(
            actor=county.superuser, action="test_action", target=county.village, details={"n": number}
        )
    return AuditEntry.objects.filter(chain=county.village.code).in_chain_order()


def verify(*anchors: str) -> str:
    """verify_audit's failure message and what it wrote to standard error; fails if the log verifies."""
    arguments = [f"--anchor={anchor}" for anchor in anchors]
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit", *arguments, stderr=(errors := _Buffer()))
    return f"{failure.value} {errors.text}"


class _Buffer:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def _sql(sql, params=()):
    # What an attacker with database access would do: bypass the ORM altogether.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


ENTRIES = AuditEntry._meta.db_table
HEADS = AuditChainHead._meta.db_table


def _rewrite_chain(chain: str, edit, hasher) -> None:
    """Rewrite a chain's entries with `edit`, recompute every hash and link with `hasher`, move the head."""
    previous = GENESIS_HASH
    for entry in AuditEntry.objects.filter(chain=chain).order_by("seq"):
        edit(entry)
        entry.prev_hash = previous
        entry.hash = hasher(entry.canonical_content())
        _sql(
            f"UPDATE {ENTRIES} SET details = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(entry.details), entry.prev_hash, entry.hash, entry.pk],
        )
        previous = entry.hash
    head = AuditChainHead.objects.get(chain=chain)
    head.hash = previous
    _sql(
        f"UPDATE {HEADS} SET hash = %s, seal = %s WHERE chain = %s",
        [previous, hasher(f"head|{chain}|{head.seq}|{previous}".encode()), chain],
    )


def _truncate(chain: str, keep: int, *, seal) -> None:
    """Delete a chain's entries after #keep and move its head back onto #keep, sealing it with `seal`."""
    kept = AuditEntry.objects.get(chain=chain, seq=keep)
    _sql(f"DELETE FROM {ENTRIES} WHERE chain = %s AND seq > %s", [chain, keep])
    _sql(
        f"UPDATE {HEADS} SET seq = %s, hash = %s, seal = %s WHERE chain = %s",
        [keep, kept.hash, seal(f"head|{chain}|{keep}|{kept.hash}".encode()), chain],
    )


def _plain_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- writing --------------------------------------------------------------------------------------------


def test_each_division_has_its_own_chain_opened_in_the_county_chain(three_entries, county):
    audit.record(actor=county.superuser, action="about_neighbour", target=county.neighbour)
    audit.record(actor=county.superuser, action="about_no_place")
    for chain in (county.village.code, county.neighbour.code, county.township.code, COUNTY_CHAIN):
        entries = list(AuditEntry.objects.filter(chain=chain).in_chain_order())
        assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
        for previous, entry in zip(entries, entries[1:], strict=False):
            assert entry.prev_hash == previous.hash
        assert entries[0].prev_hash == GENESIS_HASH
        head = AuditChainHead.objects.get(chain=chain)
        assert (head.seq, head.hash) == (entries[-1].seq, entries[-1].hash)
    village_chain = list(three_entries)
    assert len(village_chain) == 6  # three role grants in the village, three entries of ours
    opened = AuditEntry.objects.filter(chain=COUNTY_CHAIN, action=audit.CHAIN_OPEN)
    assert {entry.details["chain"] for entry in opened} == {
        county.village.code,
        county.neighbour.code,
        county.township.code,
    }
    assert AuditEntry.objects.filter(chain=COUNTY_CHAIN).in_chain_order().last().action == "about_no_place"
    assert audit.verify_chain().intact


def test_entry_records_actor_action_target_scope_and_details(three_entries, county):
    entry = three_entries.last()
    assert entry.actor_name == "root"
    assert entry.action == "test_action"
    assert entry.target_type == "portal.village"
    assert entry.target_id == str(county.village.pk)
    assert entry.scope == entry.chain == county.village.code
    assert entry.details == {"n": 2}


def test_entries_are_keyed_with_the_audit_key_not_a_plain_hash(three_entries):
    entry = three_entries.last()
    assert entry.hash != _plain_sha256(entry.canonical_content())
    assert entry.hash == keyed_hash(entry.canonical_content())
    # The same database checked under another key: nothing verifies.
    with override_settings(AUDIT_KEY="another-key-" + "x" * 40):
        report = audit.verify_chain()
    assert not report.intact
    assert {problem.reason for problem in report.problems} == {"its content does not match its keyed hash"}


def test_closing_events_fold_the_village_head_into_the_county_chain(three_entries, county):
    entry = audit.record(actor=county.superuser, action="voting_close", target=county.village)
    fold = AuditEntry.objects.filter(chain=COUNTY_CHAIN).in_chain_order().last()
    assert fold.action == audit.CHAIN_ANCHOR
    assert fold.details == {
        "chain": county.village.code,
        "seq": entry.seq,
        "hash": entry.hash,
        "after": "voting_close",
    }
    anchor = audit.anchor_of(county.village, after="voting_close")
    assert (anchor.chain, anchor.seq, anchor.hash) == (county.village.code, entry.seq, entry.hash)
    assert (anchor.county_seq, anchor.county_hash) == (fold.seq, fold.hash)
    assert audit.anchor_of(county.village, after="results_publish") is None


def test_anchor_audit_folds_every_chain_that_grew(three_entries, county, capsys):
    call_command("anchor_audit")
    # The chains that have entries: the village's and the township's (the fixture's role grants).
    assert "2 chains anchored" in capsys.readouterr().out
    folds = AuditEntry.objects.filter(chain=COUNTY_CHAIN, action=audit.CHAIN_ANCHOR)
    assert {fold.details["chain"] for fold in folds} == {county.village.code, county.township.code}
    call_command("anchor_audit")
    assert "0 chains anchored" in capsys.readouterr().out
    audit.record(actor=county.superuser, action="test_action", target=county.village)
    call_command("anchor_audit")
    assert "1 chains anchored" in capsys.readouterr().out
    assert audit.verify_chain().intact


def test_orm_refuses_update_and_delete(three_entries):
    entry = three_entries.first()
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(action="forged").count() == 0


# --- verifying: what each protection catches -----------------------------------------------------------


def test_verify_audit_passes_on_an_intact_log(three_entries, capsys):
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"Audit log intact: {AuditEntry.objects.count()} entries in 3 chains" in out


def test_an_edited_entry_is_named(three_entries, county):
    target = three_entries[4]
    _sql(f"UPDATE {ENTRIES} SET target_label = %s WHERE id = %s", ["forged", target.pk])
    said = verify()
    assert f"Chain {county.village.code}: broken at entry #{target.seq} (test_action" in said
    assert "does not match its keyed hash" in said


def test_a_chain_rewritten_and_recomputed_with_plain_sha256_is_caught(three_entries, county):
    # Everything an attacker without the key can do: rewrite, recompute every hash and link, move the
    # head. The first rewritten entry's keyed hash gives it away.
    target = three_entries[3]

    def forge(entry):
        if entry.seq == target.seq:
            entry.details = {"forged": True}

    _rewrite_chain(county.village.code, forge, _plain_sha256)
    assert "broken at entry #1 " in verify()  # every entry's hash is now a plain one
    assert "does not match its keyed hash" in verify()


def test_an_edit_that_recomputes_its_own_hash_with_the_key_breaks_the_next_link(three_entries, county):
    target = three_entries[2]
    target.details = {"forged": True}
    forged_hash = keyed_hash(target.canonical_content())
    _sql(
        f"UPDATE {ENTRIES} SET details = %s, hash = %s WHERE id = %s",
        ['{"forged": true}', forged_hash, target.pk],
    )
    assert f"entry #{target.seq + 1} " in verify()
    assert "link" in verify()


def test_a_deleted_entry_in_the_middle_is_caught(three_entries, county):
    _sql(f"DELETE FROM {ENTRIES} WHERE chain = %s AND seq = %s", [county.village.code, 2])
    assert "entry #2 is missing" in verify()


def test_a_deleted_last_entry_is_caught_by_the_head(three_entries, county):
    last = three_entries.last()
    _sql(f"DELETE FROM {ENTRIES} WHERE id = %s", [last.pk])
    assert f"entries after #{last.seq - 1} have been removed" in verify()


def test_a_truncation_with_the_head_moved_back_is_caught_by_its_seal(three_entries, county):
    # The attacker knows the remaining last entry's number and hash, not the key that seals a head.
    _truncate(county.village.code, 4, seal=_plain_sha256)
    said = verify()
    assert f"Chain {county.village.code}: broken at the end of the chain" in said
    assert "moved back or rewritten" in said


def test_a_truncation_past_a_fold_is_caught_even_with_the_key(three_entries, county):
    # An attacker holding the key can seal a head moved back; the county chain still vouches for the
    # entry folded into it at the vote's close.
    closing = audit.record(actor=county.superuser, action="voting_close", target=county.village)
    audit.record(actor=county.superuser, action="test_action", target=county.village)
    _truncate(county.village.code, closing.seq - 1, seal=keyed_hash)
    said = verify()
    assert f"entries after #{closing.seq - 1} have been removed" in said
    assert f"vouches for entry #{closing.seq}" in said


def test_a_rewrite_before_a_fold_is_caught_even_with_the_key(three_entries, county):
    closing = audit.record(actor=county.superuser, action="voting_close", target=county.village)

    def forge(entry):
        if entry.seq == 5:
            entry.details = {"forged": True}

    _rewrite_chain(county.village.code, forge, keyed_hash)
    said = verify()
    assert f"broken at entry #{closing.seq} (voting_close" in said
    assert "is not the entry county entry #" in said


def test_a_printed_anchor_catches_what_the_database_alone_cannot(three_entries, county, capsys):
    # No fold yet: a rewrite recomputed with the key passes on the database alone (the limit of a key
    # that leaked); the head copied from paper before it does not.
    head = AuditChainHead.objects.get(chain=county.village.code)
    printed = f"{county.village.code}:{head.seq}:{head.hash}"
    call_command("verify_audit", f"--anchor={printed}")
    assert "1 anchors matched" in capsys.readouterr().out

    def forge(entry):
        if entry.seq == 5:
            entry.details = {"forged": True}

    _rewrite_chain(county.village.code, forge, keyed_hash)
    call_command("verify_audit")
    assert "is not the entry the anchor given vouches for" in verify(printed)


def test_a_whole_chain_deleted_is_caught_by_the_county_chain(three_entries, county):
    _sql(f"DELETE FROM {ENTRIES} WHERE chain = %s", [county.village.code])
    _sql(f"DELETE FROM {HEADS} WHERE chain = %s", [county.village.code])
    assert (
        f"Chain {county.village.code}: broken at the end of the chain: the whole chain is missing" in verify()
    )


def test_a_bad_anchor_argument_is_refused(three_entries):
    with pytest.raises(CommandError, match="Not an anchor"):
        call_command("verify_audit", "--anchor=653121100201:seven:abc")


# --- the admin and the audit page ----------------------------------------------------------------------


def test_admin_offers_no_way_to_change_or_delete(client, three_entries, county):
    client.force_login(county.superuser)
    entry = three_entries.first()
    change_url = reverse("admin:portal_auditentry_change", args=[entry.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    response = client.post(change_url, {"action": "forged"})
    assert response.status_code == 403
    delete = client.post(reverse("admin:portal_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == entry.action
    assert client.get(reverse("admin:portal_auditentry_add")).status_code == 403


def test_township_admin_sees_only_own_township_entries(client, county):
    audit.record(actor=county.superuser, action="about_elsewhere", target=county.elsewhere)
    audit.record(actor=county.superuser, action="about_neighbour", target=county.neighbour)
    client.force_login(county.township_admin)
    page = client.get(reverse("staff:audit")).content.decode()
    assert "about_neighbour" in page
    assert "about_elsewhere" not in page


@pytest.mark.parametrize("role", ["moderator", "operator", "cadre", "nobody"])
def test_audit_page_is_a_404_for_other_roles(client, county, role):
    client.force_login(getattr(county, role))
    assert client.get(reverse("staff:audit")).status_code == 404


# --- at county scale -----------------------------------------------------------------------------------


@pytest.mark.postgresql_only  # SQLite has one writer at a time whatever the chains
@pytest.mark.django_db(transaction=True)
def test_two_villages_append_at_once_without_waiting_for_each_other(county):
    holding, done = threading.Event(), threading.Event()
    release = threading.Event()

    def first_village():
        try:
            with transaction.atomic():
                audit.record(actor=county.superuser, action="slow_action", target=county.village)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    def second_village():
        try:
            holding.wait(10)
            audit.record(actor=county.superuser, action="quick_action", target=county.neighbour)
            done.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_village), threading.Thread(target=second_village)]
    for thread in threads:
        thread.start()
    # The neighbour's entry commits while the first village's transaction still holds its chain.
    assert done.wait(5)
    release.set()
    for thread in threads:
        thread.join(10)
    assert audit.verify_chain().intact
