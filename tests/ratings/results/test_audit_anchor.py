"""The village's audit chain head at publication, printed on the notice and served in results.json, and
verify_audit holding the log to it."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from portal import audit
from portal.models import AuditChainHead, AuditEntry
from portal.models.audit import COUNTY_CHAIN, keyed_hash
from tests.worlds import published_world


@pytest.fixture
def published(county):
    return published_world(county, ["satisfied"] * 5)


def test_the_notice_and_results_json_carry_the_head_at_publication(client, county, published):
    world, snapshot = published
    publication = AuditEntry.objects.get(chain=county.village.code, action="results_publish")
    fold = AuditEntry.objects.get(
        chain=COUNTY_CHAIN, action=audit.CHAIN_ANCHOR, details__after="results_publish"
    )

    notice = client.get(
        reverse("ratings:results-notice", args=[world.meeting.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert publication.hash in notice and fold.hash in notice
    assert f"({county.village.code}) at publication, entry no. {publication.seq}" in notice
    assert f"county's audit log as entry no. {fold.seq}" in notice

    document = json.loads(client.get(reverse("ratings:results-json", args=[world.meeting.pk])).content)
    assert document["snapshot"]["audit_anchor"] == {
        "chain": county.village.code,
        "seq": publication.seq,
        "hash": publication.hash,
        "county_seq": fold.seq,
        "county_hash": fold.hash,
    }


def test_verify_audit_holds_the_log_to_the_printed_head(client, county, published, capsys):
    world, snapshot = published
    anchor = audit.anchor_of(snapshot, after="results_publish")
    call_command(
        "verify_audit",
        f"--anchor={anchor.argument()}",
        f"--anchor=county:{anchor.county_seq}:{anchor.county_hash}",
    )
    assert "Audit log intact" in capsys.readouterr().out

    # An attacker with the key cuts the village's chain back before the publication, seals the head
    # and removes the county chain's record of it (everything after it, head resealed): the database
    # alone now verifies, the printed notice does not.
    chain = county.village.code
    kept = AuditEntry.objects.get(chain=chain, seq=anchor.seq - 1)
    county_kept = AuditEntry.objects.get(chain=COUNTY_CHAIN, seq=anchor.county_seq - 1)
    with connection.cursor() as cursor:
        for name, number, entry in (
            (chain, anchor.seq, kept),
            (COUNTY_CHAIN, anchor.county_seq, county_kept),
        ):
            cursor.execute(
                f"DELETE FROM {AuditEntry._meta.db_table} WHERE chain = %s AND seq >= %s", [name, number]
            )
            seal = keyed_hash(f"head|{name}|{entry.seq}|{entry.hash}".encode())
            cursor.execute(
                f"UPDATE {AuditChainHead._meta.db_table} SET seq = %s, hash = %s, seal = %s WHERE chain = %s",
                [entry.seq, entry.hash, seal, name],
            )
    call_command("verify_audit")
    with pytest.raises(CommandError):
        call_command("verify_audit", f"--anchor={anchor.argument()}", stderr=(errors := _Lines()))
    assert f"vouches for entry #{anchor.seq}" in errors.text and "the anchor given" in errors.text


class _Lines:
    text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass
