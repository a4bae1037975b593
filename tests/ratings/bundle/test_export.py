"""The venue's side of the attachments: each travels as a member of its own, pinned by the manifest, and
a file gone from the storage stops the export with its name instead of a bundle that lacks it."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from meetings.models import Attachment, WorkReport
from portal import signing
from ratings.bundle import manifest
from ratings.bundle.services import meeting_export
from ratings.models import HouseholdProposal
from tests.factories import CadreFactory
from tests.worlds import agenda_of, compute_and_publish, make_meeting, voted_world

pytestmark = pytest.mark.usefixtures("english")

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def signing_key(tmp_path, settings):
    settings.SIGNING_KEY_FILE = tmp_path / "signing-key.pem"
    signing.create_key_file(settings.SIGNING_KEY_FILE)


@pytest.fixture
def attachment(county) -> Attachment:
    cadre = CadreFactory(village=county.village, name="Tursun Mamat")
    report = WorkReport.objects.create(meeting=make_meeting(county.village, [cadre]), cadre=cadre)
    attachment = Attachment(
        report=report, original_name="accounts.pdf", kind="pdf", content_type="application/pdf", size=len(PDF)
    )
    attachment.file.save("test-export-accounts.pdf", ContentFile(PDF))
    yield attachment
    attachment.file.storage.delete(attachment.file.name)


def test_an_attachment_travels_as_a_member_pinned_by_the_manifest(county, signing_key, attachment):
    _name, data = meeting_export(meeting=attachment.report.meeting, by=county.township_admin)
    bundle = manifest.unpack(data, max_unpacked=10**8)
    member = "attachments/" + hashlib.sha256(PDF).hexdigest()
    assert (
        bundle.members[member] == PDF
        and bundle.manifest["members"][member] == hashlib.sha256(PDF).hexdigest()
    )
    [listed] = bundle.json("reports.json")[0]["attachments"]
    assert listed["member"] == member and listed["name"] == "accounts.pdf"


def test_an_attachment_gone_from_the_storage_stops_the_export(client, county, signing_key, attachment):
    attachment.file.storage.delete(attachment.file.name)
    meeting = attachment.report.meeting
    with pytest.raises(ValidationError) as caught:
        meeting_export(meeting=meeting, by=county.township_admin)
    assert "The attachment accounts.pdf of the report of Tursun Mamat is missing" in caught.value.messages[0]

    client.force_login(county.township_admin)
    answer = client.post(
        reverse("ratings:bundle-download", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    # Back to the meeting with the reason: no bundle, no error page.
    assert answer.redirect_chain[0][1] == 302
    assert "is missing from this server&#x27;s files" in answer.content.decode()
    assert not meeting.bundle_exports.exists()


def test_a_meeting_with_households_evaluations_carries_them(county, signing_key):
    # The proposal by household number with its count and history, each ballot's answer, the kept counts.
    world = voted_world(
        county,
        ["satisfied"] * 3,
        agenda=agenda_of(county, (1, HouseholdProposal.Kind.POVERTY_EXIT, {})),
        evaluations=[["agree"], ["agree"], ["disagree"]],
    )
    compute_and_publish(world.meeting, by=county.township_admin)
    _name, data = meeting_export(meeting=world.meeting, by=county.township_admin)
    bundle = manifest.unpack(data, max_unpacked=10**8)
    [proposal] = bundle.json("evaluations.json")
    assert proposal["household"] == world.households[1].number and proposal["kind"] == "poverty_exit"
    assert (proposal["status"], proposal["agree"], proposal["disagree"], proposal["ballots"]) == (
        "under_notice",
        2,
        1,
        3,
    )
    assert [step["status"] for step in proposal["history"]] == [
        "draft",
        "submitted",
        "approved",
        "under_notice",
    ]
    box = bundle.json("ballots.json")
    assert sorted(answer for ballot in box["ballots"] for _id, answer in ballot["evaluations"]) == [
        "agree",
        "agree",
        "disagree",
    ]
    assert sorted((row[2], row[3]) for row in box["evaluation_counts"]) == [("agree", 2), ("disagree", 1)]
    assert world.meeting.bundle_exports.count() == 1


def test_a_meeting_without_households_evaluations_keeps_its_bundle_as_it_was(county, signing_key):
    world = voted_world(county, ["satisfied"])
    _name, data = meeting_export(meeting=world.meeting, by=county.township_admin)
    bundle = manifest.unpack(data, max_unpacked=10**8)
    assert "evaluations.json" not in bundle.members
    box = bundle.json("ballots.json")
    assert "evaluation_counts" not in box and "evaluations" not in box["ballots"][0]
