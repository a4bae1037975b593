"""The audit log: append-only through the ORM and admin, hash-chained, verified by a command."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from portal import audit
from portal.models import AppendOnlyError, AuditChainHead, AuditEntry


@pytest.fixture
def three_entries(county):
    # The county fixture already granted four roles (four entries); add three of our own.
    for number in range(3):
        audit.record(
            actor=county.superuser, action="test_action", target=county.village, details={"n": number}
        )
    return AuditEntry.objects.in_chain_order()


def test_entries_form_an_unbroken_chain(three_entries):
    entries = list(three_entries)
    assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.hash
    assert audit.verify_chain().intact
    assert AuditChainHead.objects.get().hash == entries[-1].hash


def test_entry_records_actor_action_target_scope_and_details(three_entries, county):
    entry = three_entries.last()
    assert entry.actor_name == "root"
    assert entry.action == "test_action"
    assert entry.target_type == "portal.village"
    assert entry.target_id == str(county.village.pk)
    assert entry.scope == county.village.code
    assert entry.details == {"n": 2}


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


def test_verify_audit_passes_on_an_intact_log(three_entries, capsys):
    call_command("verify_audit")
    assert f"{three_entries.count()} entries" in capsys.readouterr().out


def _raw_update(sql, params):
    # What an attacker with database access would do: bypass the ORM altogether.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_audit_names_the_first_edited_entry(three_entries):
    target = three_entries[4]
    table = AuditEntry._meta.db_table
    _raw_update(f"UPDATE {table} SET target_label = %s WHERE seq = %s", ["forged", target.seq])
    with pytest.raises(CommandError, match=rf"entry #{target.seq} .*does not match its hash"):
        call_command("verify_audit")


def test_verify_audit_catches_an_edit_that_recomputes_the_hash(three_entries):
    # Rewriting an entry together with its own hash still breaks the next entry's link.
    target = three_entries[2]
    target.details = {"forged": True}
    forged_hash = target.compute_hash()
    table = AuditEntry._meta.db_table
    _raw_update(
        f"UPDATE {table} SET details = %s, hash = %s WHERE seq = %s",
        ['{"forged": true}', forged_hash, target.seq],
    )
    with pytest.raises(CommandError, match=rf"entry #{target.seq + 1} .*link"):
        call_command("verify_audit")


def test_verify_audit_catches_a_deleted_entry_in_the_middle_and_at_the_end(three_entries):
    table = AuditEntry._meta.db_table
    last_seq = three_entries.last().seq
    _raw_update(f"DELETE FROM {table} WHERE seq = %s", [last_seq])
    with pytest.raises(CommandError, match="removed"):
        call_command("verify_audit")
    _raw_update(f"DELETE FROM {table} WHERE seq = %s", [2])
    with pytest.raises(CommandError, match="entry #2 is missing"):
        call_command("verify_audit")


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
