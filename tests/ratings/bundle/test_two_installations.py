"""Two installations: a venue laptop (a subprocess with its own SQLite database and signing key) holds
the meeting and exports its bundle; the county (this test's database) registers the laptop's key and
imports it, with what the county's pages show of it beside the results: the reports' attachments, the
honor roll, the certificate's signers. Then tampered bundles, one check at a time: each refused, naming
what failed, nothing in.
"""

import base64
import datetime
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from meetings.models import Attachment, Commitment, Meeting, ReportRevision, WorkReport
from portal import signing
from portal.models import AuditEntry, Household, Resident, VenueKey
from portal.services.venue_keys import venue_key_register, venue_key_revoke
from ratings.bundle import manifest
from ratings.bundle.services import meeting_import
from ratings.closure.certificate import certificate_of
from ratings.evaluations.services import proposal_create, township_check
from ratings.models import (
    Ballot,
    BallotEvaluation,
    BundleImport,
    CertificateConfirmation,
    EvaluationCount,
    HonorCandidate,
    HouseholdProposal,
    ResultSnapshot,
)
from ratings.results import tally
from ratings.results.verify import recount_differences
from tests.worlds import HOUSEHOLD_FACTS

YEAR = 2024


@pytest.fixture(scope="module")
def venue(tmp_path_factory) -> dict:
    """The venue's run, once for the module: its public key, its two bundles (v1, v2) and its figures."""
    workdir = tmp_path_factory.mktemp("venue")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'venue.sqlite3'}",
        "PORTAL_SIGNING_KEY_FILE": str(workdir / "signing-key.pem"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "tests.ratings.bundle.venue", str(workdir)],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    out["data"] = [Path(path).read_bytes() for path in out["bundles"]]
    return out


@pytest.fixture
def registered(county, venue):
    return venue_key_register(
        village=county.village, public_key=venue["public_key"], label="Laptop 1", by=county.township_admin
    )


def refused(data: bytes, by) -> str:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        meeting_import(data=data, by=by)
    return " ".join(caught.value.messages)


def nothing_imported(county) -> bool:
    return not Meeting.objects.filter(village=county.village, year=YEAR).exists()


def media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def rewritten(data: bytes, member: str, change) -> bytes:
    """The bundle with one member changed by `change` (JSON in, JSON out), the signed manifest kept."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == member:
                content = manifest.canonical_json(change(json.loads(content)))
            target.writestr(info.filename, content)
    return out.getvalue()


def test_the_county_imports_the_venue_bundle_and_shows_its_results(client, county, venue, registered):
    outcome = meeting_import(data=venue["data"][0], by=county.township_admin)
    assert outcome.created and outcome.version == 1
    meeting = outcome.meeting
    live = ResultSnapshot.objects.of_meeting(meeting).live().get()
    # The figures the venue published, cadre by cadre, in the county's ids.
    assert {row["name"]: [row["overall"]["score"], row["verdict"]] for row in live.data["cadres"]} == venue[
        "figures"
    ]
    assert live.ballots == Ballot.objects.filter(meeting=meeting).count() == 14
    assert BundleImport.objects.get(meeting=meeting).venue_seal == venue["seal"]
    assert recount_differences(live) == []

    page = client.get(reverse("ratings:results", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    for name in venue["figures"]:
        assert name in page.content.decode()
    township = client.get(
        reverse("ratings:township-ranking", args=[county.township.pk]),
        {"year": YEAR, "post": "party_secretary"},
    )
    county_page = client.get(reverse("ratings:county-ranking"), {"year": YEAR, "post": "party_secretary"})
    assert county.village.name in township.content.decode()
    assert county.village.name in county_page.content.decode()


def test_the_county_imports_the_households_evaluation_as_the_venue_voted_it(
    client, county, venue, registered
):
    meeting = meeting_import(data=venue["data"][0], by=county.township_admin).meeting
    proposal = HouseholdProposal.objects.select_related("household").get(meeting=meeting)
    [sent] = venue["proposal"]
    assert {
        "household__number": proposal.household.number,
        **{name: getattr(proposal, name) for name in ("status", "agree", "disagree", "abstain", "ballots")},
    } == sent
    assert (proposal.status, proposal.agree, proposal.created_by) == ("under_notice", 10, None)
    # Its history as the venue kept it, the venue's accounts by name only.
    history = list(proposal.history.order_by("at", "pk"))
    assert [step.status for step in history] == ["draft", "submitted", "approved", "under_notice"]
    assert [step.by_name for step in history] == ["venue-root"] * 3 + ["venue-admin"]
    assert not any(step.by for step in history)
    # The answers in the box, and the counts kept at the close.
    answers = BallotEvaluation.objects.of_meeting(meeting).filter(proposal=proposal)
    assert (
        sorted(answers.values_list("answer", flat=True))
        == ["abstain"] * 2 + ["agree"] * 10 + ["disagree"] * 2
    )
    assert tally.evaluation_counts(meeting) == tally.box_evaluation_counts(meeting)
    live = ResultSnapshot.objects.of_meeting(meeting).live().get()
    assert recount_differences(live) == []

    # The public results: the households' section as the venue published it, in the county's ids.
    published = client.get(reverse("ratings:results-json", args=[meeting.pk])).json()
    assert published["households"] == [{**row, "id": proposal.pk} for row in venue["households"]]
    page = client.get(reverse("ratings:results", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en").content
    assert f'data-household="{proposal.pk}"' in page.decode() and "Tursun Niyaz" in page.decode()
    evaluations = client.get(reverse("ratings:evaluations-csv", args=[meeting.pk])).content
    assert hashlib.sha256(evaluations).hexdigest() == live.data["evaluations_sha256"]

    # Again: nothing changed. The township checks it at the county; the later version keeps that step.
    meeting_import(data=venue["data"][0], by=county.township_admin)
    assert proposal.history.count() == len(history) and answers.count() == 14
    after_notice = proposal.notice_ends + datetime.timedelta(days=1)
    township_check(proposal=proposal, approve=True, by=county.township_admin, today=after_notice)
    meeting_import(data=venue["data"][1], by=county.township_admin)
    assert HouseholdProposal.objects.get(meeting=meeting).status == "township_checked"
    assert proposal.history.count() == len(history) + 1 and answers.count() == 14
    assert EvaluationCount.objects.of_meeting(meeting).count() == 3
    assert recount_differences(ResultSnapshot.objects.of_meeting(meeting).live().get()) == []


def test_a_household_with_an_open_proposal_at_the_county_is_refused(county, venue, registered):
    [sent] = venue["proposal"]
    household = Household.objects.get_or_create(village=county.village, number=sent["household__number"])[0]
    proposal_create(
        village=county.village,
        household=household,
        kind=HouseholdProposal.Kind.POVERTY_EXIT,
        by=county.operator,
        head_name="Tursun Niyaz",
        **HOUSEHOLD_FACTS,
    )
    message = refused(venue["data"][0], county.township_admin)
    assert f"Bostan has an open proposal of household {household.number} for exit from poverty" in message
    assert nothing_imported(county) and HouseholdProposal.objects.count() == 1


def test_the_county_serves_the_reports_attachments_as_the_venue_had_them(client, county, venue, registered):
    meeting = meeting_import(data=venue["data"][0], by=county.township_admin).meeting
    report = WorkReport.objects.get(meeting=meeting, language=WorkReport.Language.CHINESE)
    attachments = list(Attachment.objects.filter(report=report).order_by("uploaded_at"))
    assert [a.original_name for a in attachments] == [row["name"] for row in venue["attachments"]]
    assert [(a.kind, a.content_type) for a in attachments] == [
        ("image", "image/png"),
        ("pdf", "application/pdf"),
    ]

    page = client.get(reverse("meetings:report", args=[report.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    for attachment, sent in zip(attachments, venue["attachments"], strict=True):
        assert attachment.get_absolute_url() in page.content.decode()
        served = client.get(attachment.get_absolute_url())
        assert served.status_code == 200
        assert hashlib.sha256(b"".join(served.streaming_content)).hexdigest() == sent["sha256"]


def test_the_county_imports_the_uyghur_version_with_its_revision(client, county, venue, registered):
    meeting = meeting_import(data=venue["data"][0], by=county.township_admin).meeting
    chinese, uyghur = WorkReport.objects.filter(meeting=meeting).order_by("-language")
    assert (chinese.language, uyghur.language, uyghur.cadre) == ("zh-hans", "ug", chinese.cadre)
    sent = venue["uyghur"]
    assert (uyghur.duties, uyghur.status) == (sent["duties"], sent["status"])
    assert [[r.number, r.sections["duties"]] for r in uyghur.revisions.order_by("number")] == sent[
        "revisions"
    ]
    assert chinese.duties == "Water and roads." and not chinese.revisions.exists()

    # The county's public page shows it as the venue's did: right to left, with what changed.
    page = client.get(chinese.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ug").content.decode()
    assert '<div class="report-text" lang="ug" dir="rtl">' in page
    assert "<bdi>张三</bdi>" in page
    assert '<del class="d-block">سۇ ۋە يول.</del>' in page
    # Imported again (v2), the versions are updated in place, not doubled.
    meeting_import(data=venue["data"][1], by=county.township_admin)
    assert WorkReport.objects.filter(meeting=meeting).count() == 2
    assert ReportRevision.objects.filter(report__meeting=meeting).count() == 1


def test_the_county_shows_the_honor_roll_as_at_the_venue(client, county, venue, registered):
    meeting = meeting_import(data=venue["data"][0], by=county.township_admin).meeting
    candidates = HonorCandidate.objects.of_meeting(meeting).select_related("household")
    assert sorted((c.household.number, c.votes, c.committee_reason) for c in candidates) == sorted(
        (row["number"], row["votes"], row["reason"]) for row in venue["honor"]
    )
    assert {(c.status, c.award, c.award_ug, str(c.award_amount)) for c in candidates} == {
        ("accepted", "Red flower", "قىزىل گۈل", "500.00")
    }

    public = client.get(reverse("ratings:honor-roll", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(county.township_admin)
    staff = client.get(reverse("ratings:staff-honor", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en")
    for row in venue["honor"]:
        assert row["number"] in public.content.decode() and row["number"] in staff.content.decode()
    assert "Built a greenhouse" in staff.content.decode()  # the committees' nomination and its reason
    assert "Red flower" in public.content.decode()


def test_the_county_certificate_shows_who_confirmed_at_the_venue(client, county, venue, registered):
    meeting = meeting_import(data=venue["data"][0], by=county.township_admin).meeting
    live = ResultSnapshot.objects.of_meeting(meeting).live().get()
    certificate = certificate_of(meeting, live)
    assert certificate.filed and certificate.confirmed
    assert sorted(signer.name for signer in certificate.signers) == venue["signers"]
    assert certificate.seal == venue["seal"]
    # The venue's scrutineers are not villagers the county's roll knows: kept, off its roll.
    assert not Resident.objects.on_roll().filter(name__in=venue["scrutineers"]).exists()

    client.force_login(county.township_admin)
    page = client.get(reverse("ratings:certificate", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200 and "As filed from the venue" in text
    for name in venue["signers"]:
        assert name in text
    assert text.count("Signed on paper, recorded at the venue on") == 3
    assert venue["seal"] in text


def test_the_bundle_pins_the_laptops_audit_log_and_the_county_shows_it(client, county, venue, registered):
    first, second = venue["anchors"]
    assert first["chain"] == second["chain"] == "653121100201" and first["seq"] < second["seq"]
    # On the laptop, verify_bundle holds while the log is intact, and fails once an entry before the
    # pinned one is rewritten.
    intact, tampered = venue["bundle_checks"]
    assert (
        intact == f"Bundle intact; the audit log still holds {first['chain']}:{first['seq']}:{first['hash']}."
    )
    assert tampered.startswith("error: The audit log no longer holds what the bundle pinned")
    meeting = meeting_import(data=venue["data"][0], by=county.township_admin).meeting
    assert BundleImport.objects.get(meeting=meeting).audit_anchor == first
    client.force_login(county.township_admin)
    page = client.get(reverse("ratings:certificate", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "the venue laptop's audit log (653121100201) when it sealed the bundle" in page.content.decode()
    assert first["hash"] in page.content.decode()


def test_a_malformed_audit_anchor_is_refused(county, venue, registered):
    bundle = manifest.unpack(venue["data"][0], max_unpacked=settings.BUNDLE_MAX_UNPACKED_BYTES)
    header = {**bundle.manifest, "audit_anchor": {"chain": "653121100201", "seq": 0, "hash": "x"}}
    header.pop("members"), header.pop("format"), header.pop("public_key")
    key = Ed25519PrivateKey.generate()
    venue_key_register(
        village=county.village,
        public_key=signing.public_text(key.public_key()),
        label="Laptop 2",
        by=county.township_admin,
    )
    data = manifest.pack(
        bundle.members,
        header,
        public_key=signing.public_text(key.public_key()),
        sign=lambda message: signing.sign(key, message),
    )
    assert "manifest cannot be read" in refused(data, county.township_admin)
    assert nothing_imported(county)


def test_the_same_bundle_twice_changes_nothing(county, venue, registered):
    meeting_import(data=venue["data"][0], by=county.township_admin)
    entries = AuditEntry.objects.count()
    again = meeting_import(data=venue["data"][0], by=county.township_admin)
    assert not again.created
    assert Ballot.objects.filter(meeting=again.meeting).count() == 14
    assert ResultSnapshot.objects.of_meeting(again.meeting).count() == 1
    assert BundleImport.objects.filter(meeting=again.meeting).count() == 1
    assert AuditEntry.objects.count() == entries


def test_a_later_version_updates_and_an_earlier_one_is_a_replay(county, venue, registered):
    meeting_import(data=venue["data"][0], by=county.township_admin)
    later = meeting_import(data=venue["data"][1], by=county.township_admin)
    assert later.created and later.version == 2
    assert Commitment.objects.filter(meeting=later.meeting, title="Mend the canal").exists()
    # The rows the first version brought are updated, not brought again.
    assert Attachment.objects.filter(report__meeting=later.meeting).count() == 2
    assert HonorCandidate.objects.of_meeting(later.meeting).count() == len(venue["honor"])
    assert CertificateConfirmation.objects.filter(meeting=later.meeting).count() == 3
    assert later.meeting.scrutineers.count() == 2
    message = refused(venue["data"][0], county.township_admin)
    assert "version 1" in message and "version 2 was already imported" in message
    assert BundleImport.objects.filter(meeting=later.meeting).count() == 2


def test_a_replay_of_version_1_after_version_2_imports_nothing(county, venue, registered):
    meeting_import(data=venue["data"][1], by=county.township_admin)
    assert "earlier version cannot replace" in refused(venue["data"][0], county.township_admin)
    assert list(BundleImport.objects.values_list("version", flat=True)) == [2]


def _one_grade_changed(box):
    line = box["ballots"][0]["grades"][0]
    line[2] = "dissatisfied" if line[2] != "dissatisfied" else "satisfied"
    return box


def _one_answer_changed(box):
    ballot = next(ballot for ballot in box["ballots"] if ballot["evaluations"])
    ballot["evaluations"][0][1] = "disagree" if ballot["evaluations"][0][1] != "disagree" else "agree"
    return box


def _one_ballot_removed(box):
    box["ballots"].pop()
    return box


def _one_certificate_figure_changed(certificate):
    certificate["figures"]["codes"]["used"] += 1
    return certificate


@pytest.mark.parametrize(
    ("member", "change"),
    [
        ("ballots.json", _one_grade_changed),
        ("ballots.json", _one_answer_changed),
        ("ballots.json", _one_ballot_removed),
        ("certificate.json", _one_certificate_figure_changed),
    ],
)
def test_an_altered_member_is_refused_by_name(county, venue, registered, member, change):
    message = refused(rewritten(venue["data"][0], member, change), county.township_admin)
    assert f"The member {member} does not match its SHA-256 in the signed manifest" in message
    assert nothing_imported(county)
    refusal = AuditEntry.objects.filter(action="meeting_bundle_refused").get()
    assert refusal.details["check"] == "member_altered" and refusal.scope == county.village.code


def test_an_altered_attachment_is_refused_by_name(county, venue, registered):
    bundle = manifest.unpack(venue["data"][0], max_unpacked=10**9)
    member = next(name for name in bundle.members if name.startswith("attachments/"))
    source = zipfile.ZipFile(io.BytesIO(venue["data"][0]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, content + b"\n" if info.filename == member else content)
    before = media_files()
    message = refused(out.getvalue(), county.township_admin)
    assert f"The member {member} does not match its SHA-256 in the signed manifest" in message
    assert nothing_imported(county) and media_files() == before


def _resigned(data: bytes, village, by, change) -> bytes:
    """The bundle with its members changed by `change` (members in place), signed again with a key that
    is registered for the village: a laptop that holds what the upload path would never have taken."""
    bundle = manifest.unpack(data, max_unpacked=10**9)
    members = dict(bundle.members)
    change(members)
    other = Ed25519PrivateKey.generate()
    public = base64.b64encode(other.public_key().public_bytes_raw()).decode()
    venue_key_register(village=village, public_key=public, label="Laptop 2", by=by)
    header = {name: bundle.manifest[name] for name in ("village", "year", "version")}
    return manifest.pack(
        members, header, public_key=public, sign=lambda m: base64.b64encode(other.sign(m)).decode()
    )


def _pdf_replaced_by(content: bytes):
    def change(members):
        reports = json.loads(members["reports.json"])
        row = next(a for report in reports for a in report["attachments"] if a["name"] == "accounts.pdf")
        del members[row["member"]]
        row["member"] = "attachments/" + hashlib.sha256(content).hexdigest()
        members[row["member"]] = content
        members["reports.json"] = manifest.canonical_json(reports)

    return change


@pytest.mark.parametrize(
    ("content", "limit", "reason"),
    [
        (b"MZ\x90\x00 a program, not a document", None, "Only photos (JPEG, PNG, WebP) and PDF documents"),
        (b"%PDF-1.4 " + b"x" * 4000, 2000, "The file is larger than"),
    ],
)
def test_an_attachment_the_upload_path_refuses_is_refused(
    county, venue, registered, settings, content, limit, reason
):
    data = _resigned(venue["data"][0], county.village, county.township_admin, _pdf_replaced_by(content))
    if limit:
        settings.UPLOAD_MAX_BYTES = limit
    before = media_files()
    message = refused(data, county.township_admin)
    assert "The attachment accounts.pdf" in message and "is refused as an upload would be" in message
    assert reason in message
    # The photo stored before the refusal is gone with the rows: nothing of the import stays.
    assert nothing_imported(county) and not Attachment.objects.exists() and media_files() == before
    assert AuditEntry.objects.get(action="meeting_bundle_refused").details["check"] == "attachment_refused"
    assert VenueKey.objects.filter(village=county.village).count() == 2


def test_a_manifest_altered_after_signing_is_refused(county, venue, registered):
    def bumped(manifest_data):
        manifest_data["version"] = 7
        return manifest_data

    message = refused(rewritten(venue["data"][0], "manifest.json", bumped), county.township_admin)
    assert "signature does not verify" in message
    assert nothing_imported(county)


def _signed_by_another_key(data: bytes) -> bytes:
    """The same members, manifest and digests redone and signed by a key the county never registered."""
    bundle = manifest.unpack(data, max_unpacked=10**9)
    other = Ed25519PrivateKey.generate()
    public = base64.b64encode(other.public_key().public_bytes_raw()).decode()
    header = {name: bundle.manifest[name] for name in ("village", "year", "version")}
    return manifest.pack(
        bundle.members, header, public_key=public, sign=lambda m: base64.b64encode(other.sign(m)).decode()
    )


def test_a_bundle_signed_by_another_key_is_refused(county, venue, registered):
    message = refused(_signed_by_another_key(venue["data"][0]), county.township_admin)
    assert "signed with a key that is not registered for Bostan" in message
    assert nothing_imported(county)


def test_a_revoked_key_is_refused(county, venue, registered):
    venue_key_revoke(key=registered, by=county.township_admin)
    assert "was revoked" in refused(venue["data"][0], county.township_admin)
    assert nothing_imported(county)


def test_a_village_the_user_does_not_administer_is_refused(county, venue, registered):
    assert "a village you do not administer" in refused(venue["data"][0], county.operator)
    assert nothing_imported(county)


def test_a_file_that_is_no_bundle_is_refused(county, registered):
    assert "not a meeting bundle" in refused(b"PK not really", county.township_admin)


def test_the_import_page_imports_and_says_so(client, county, venue, registered):
    client.force_login(county.township_admin)
    url = reverse("ratings:bundle-import")
    assert client.get(url).status_code == 200
    upload = io.BytesIO(venue["data"][0])
    upload.name = "bundle.zip"
    with translation.override("en"):
        answer = client.post(url, {"bundle": upload}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "is imported" in answer.content.decode()
    assert Meeting.objects.filter(village=county.village, year=YEAR).exists()


def test_the_import_page_shows_a_refusal_with_a_400(client, county, venue, registered):
    client.force_login(county.township_admin)
    upload = io.BytesIO(rewritten(venue["data"][0], "ballots.json", _one_ballot_removed))
    upload.name = "bundle.zip"
    answer = client.post(reverse("ratings:bundle-import"), {"bundle": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert "ballots.json" in answer.content.decode()
    assert nothing_imported(county)


def test_the_import_page_is_for_township_administrators(client, county):
    client.force_login(county.operator)
    assert client.get(reverse("ratings:bundle-import")).status_code == 403
