"""A venue laptop, as a separate installation: its own SQLite database and its own signing key.

Run by the tests as `python -m tests.ratings.bundle.venue WORKDIR` with DATABASE_URL and
PORTAL_SIGNING_KEY_FILE set: seeds the village the county also has (same code), votes through the kiosk's
services, has the first cadre's report published with a photo and a PDF attached and its Uyghur version
published then corrected (one revision), a household put forward
by the committees and the honor roll reviewed, one household's evaluation voted (its exit from
poverty), has the closure certificate signed, publishes, and exports
the bundle twice (v1, then v2 after a commitment is added). Prints one JSON line: the public key, the
bundle files, the results as the venue published them (name → score, verdict), and what the county's
pages must show of the rest (attachments, honor roll, signers).
"""

import hashlib
import io
import json
import os
import sys
import zipfile
from pathlib import Path

import django

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def report_with_attachments(world, root) -> list[dict]:
    """The first cadre writes a report, attaches a photo and a PDF (the upload path's service), and the
    report is published."""
    from meetings.models import WorkReport
    from meetings.reports.services import attachment_add
    from portal.models import Role
    from portal.services.roles import role_grant
    from tests.factories import UserFactory

    cadre = world.cadres[0]
    cadre.user = UserFactory(username="venue-cadre")
    cadre.save(update_fields=["user"])
    role_grant(user=cadre.user, role=Role.CADRE, village=world.meeting.village, by=root)
    report = WorkReport.objects.create(meeting=world.meeting, cadre=cadre, duties="Water and roads.")
    files = {"canal.png": photo(), "accounts.pdf": PDF}
    for name, content in files.items():
        attachment_add(report=report, by=cadre.user, name=name, content=content)
    WorkReport.objects.filter(pk=report.pk).update(status=WorkReport.Status.PUBLISHED)
    return [{"name": name, "sha256": hashlib.sha256(data).hexdigest()} for name, data in files.items()]


def uyghur_version(world, root) -> dict:
    """The first cadre's Uyghur version, through the services: written, moderated, published, then an
    edit approved (revision 1 keeps the text before it)."""
    from meetings.reports import services

    cadre, by = world.cadres[0], world.cadres[0].user
    version = services.report_create(
        meeting=world.meeting, cadre=cadre, by=by, sections={"duties": "سۇ ۋە يول."}, language="ug"
    )
    services.report_submit(report=version, by=by)
    services.report_approve(report=version, by=root)
    services.report_publish(report=version, by=root)
    services.report_save(report=version, by=by, sections={"duties": "سۇ، يول ۋە 张三 بىلەن مەكتەپ."})
    version = services.report_approve(report=version, by=root)
    return {
        "duties": version.duties,
        "status": version.status,
        "revisions": [[r.number, r.sections["duties"]] for r in version.revisions.order_by("number")],
    }


def honor_roll(world, admin) -> list[dict]:
    """The committees put the second household forward; both nominated households are accepted."""
    from ratings.results import services as results_services

    results_services.honor_nominate(
        meeting=world.meeting, household=world.households[1], reason="Built a greenhouse", by=admin
    )
    results_services.honor_candidates_collect(meeting=world.meeting, by=admin)
    for candidate in world.meeting.honor_candidates.all():
        results_services.honor_candidate_review(
            candidate=candidate,
            accept=True,
            award="Red flower",
            award_ug="قىزىل گۈل",
            award_amount=500,
            by=admin,
        )
    return [
        {"number": c.household.number, "votes": c.votes, "reason": c.committee_reason}
        for c in world.meeting.honor_candidates.select_related("household").order_by("household__number")
    ]


def anchor_in(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read("manifest.json"))["audit_anchor"]


def checked(path: Path) -> str:
    """What `manage.py verify_bundle` says of an exported bundle: its last line, or its error."""
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    try:
        call_command("verify_bundle", str(path), stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return f"error: {error}"
    return out.getvalue().strip().splitlines()[-1]


def main(workdir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from django.conf import settings

    # The laptop's own files (tests.settings shares one media folder between installations otherwise).
    settings.MEDIA_ROOT = str(workdir / "media")
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from meetings.models import Commitment
    from portal import signing
    from portal.models import CadrePost, Role
    from portal.services.roles import role_grant
    from ratings.bundle.services import meeting_export
    from ratings.models import HouseholdProposal
    from tests.conftest import County
    from tests.factories import TownshipFactory, UserFactory, VillageFactory
    from tests.worlds import agenda_of, compute_and_publish, voted_world

    call_command("migrate", verbosity=0)
    call_command("signing_key", create=True, stdout=io.StringIO())
    township = TownshipFactory(name="Tograk Township", code="653121100", county="Test County")
    village = VillageFactory(township=township, name="Bostan", code="653121100201")
    neighbour = VillageFactory(township=township, name="Yulghun", code="653121100202")
    admin, operator = UserFactory(username="venue-admin"), UserFactory(username="venue-operator")
    root = UserFactory(username="venue-root", is_superuser=True, is_staff=True)
    role_grant(user=admin, role=Role.TOWNSHIP_ADMIN, township=township, by=root)
    role_grant(user=operator, role=Role.MEETING_OPERATOR, village=village, by=root)
    county = County(township, village, neighbour, neighbour, root, admin, None, operator, None, None)
    grades = ["satisfied"] * 9 + ["basically_satisfied"] * 3 + ["dissatisfied"] * 2
    # One household's evaluation on the agenda, answered on every ballot (placed by root: the laptop
    # has no moderator).
    agenda = agenda_of(county, (2, HouseholdProposal.Kind.POVERTY_EXIT, {}), by=root)
    answers = [["agree"]] * 10 + [["disagree"]] * 2 + [["abstain"]] * 2
    world = voted_world(
        county, grades, nominations=[[0], [0], [1]], cadres=2, agenda=agenda, evaluations=answers
    )
    for cadre, post in zip(world.cadres, ("party_secretary", "committee_director"), strict=True):
        CadrePost.objects.create(cadre=cadre, post=post, term_start=2021)
    attachments = report_with_attachments(world, root)
    uyghur = uyghur_version(world, root)
    honor = honor_roll(world, admin)
    snapshot = compute_and_publish(world.meeting, by=admin)
    signers = sorted(world.meeting.certificate_confirmations.values_list("signer_name", flat=True))
    paths = []
    name, data = meeting_export(meeting=world.meeting, by=admin)
    paths.append(workdir / name)
    paths[-1].write_bytes(data)
    Commitment.objects.create(
        meeting=world.meeting, owner=world.cadres[0], title="Mend the canal", due_date=timezone.localdate()
    )
    name, data = meeting_export(meeting=world.meeting, by=admin)
    paths.append(workdir / name)
    paths[-1].write_bytes(data)
    # Exported again unchanged: the same version, pinning the same audit entry.
    _name, again = meeting_export(meeting=world.meeting, by=admin)
    assert anchor_in(again) == anchor_in(data)
    bundle_checks = [checked(paths[0])]
    # Someone rewrites an entry of the laptop's log before the one the bundle pinned.
    pinned = anchor_in(paths[0].read_bytes())
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE portal_auditentry SET actor_name = 'nobody' WHERE chain = %s AND seq = %s",
            [pinned["chain"], pinned["seq"] - 1],
        )
    bundle_checks.append(checked(paths[0]))
    figures = {
        row["name"]: [(row.get("overall") or {}).get("score"), row.get("verdict")]
        for row in snapshot.data["cadres"]
    }
    public = signing.public_text(signing.load_private().public_key())
    print(
        json.dumps(
            {
                "public_key": public,
                "bundles": [str(path) for path in paths],
                "figures": figures,
                "seal": snapshot.ballots_sha256,
                "attachments": attachments,
                "uyghur": uyghur,
                "honor": honor,
                "signers": signers,
                "anchors": [anchor_in(path.read_bytes()) for path in paths],
                "bundle_checks": bundle_checks,
                "households": snapshot.data["households"],
                "proposal": list(
                    HouseholdProposal.objects.filter(meeting=world.meeting).values(
                        "household__number", "status", "agree", "disagree", "abstain", "ballots"
                    )
                ),
                "scrutineers": sorted(world.meeting.scrutineers.values_list("resident__name", flat=True)),
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
