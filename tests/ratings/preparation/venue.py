"""A venue laptop prepared by the county, as a separate installation: its own SQLite database and its
own signing key, and the county's public key (PORTAL_COUNTY_PUBLIC_KEY) to check the preparation with.

Run by the tests as `python -m tests.ratings.preparation.venue WORKDIR FILE`: receives the county's
preparation FILE (twice: the second changes nothing), then holds the meeting with what it received
alone — the received cadres report, the received scheme rates them, every villager of the received
roll signs in and votes on a terminal — has the certificate signed, publishes, and exports the bundle.
Prints one JSON line: its public key, the bundle file, the receive outputs, and the published figures.
"""

import datetime
import io
import json
import os
import sys
from pathlib import Path

import django


def main(workdir: Path, prepared: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from meetings import services as meeting_services
    from meetings.models import Meeting
    from portal import signing
    from portal.models import Cadre, Resident, Role, Village
    from portal.services.roles import role_grant
    from ratings.ballot import services
    from ratings.bundle.services import meeting_export
    from ratings.models import RatingScheme
    from tests.factories import UserFactory
    from tests.worlds import compute_and_publish

    call_command("migrate", verbosity=0)
    call_command("signing_key", create=True, stdout=io.StringIO())
    receipts = []
    for _time in range(2):
        out = io.StringIO()
        call_command("village_receive", str(prepared), stdout=out)
        receipts.append(out.getvalue())

    village = Village.objects.select_related("township").get()
    admin, operator = UserFactory(username="venue-admin"), UserFactory(username="venue-operator")
    root = UserFactory(username="venue-root", is_superuser=True, is_staff=True)
    role_grant(user=admin, role=Role.TOWNSHIP_ADMIN, township=village.township, by=root)
    role_grant(user=operator, role=Role.MEETING_OPERATOR, village=village, by=root)
    cadres = list(Cadre.objects.in_village(village).order_by("name"))
    meeting = meeting_services.meeting_create(
        village=village,
        year=2024,
        held_at=timezone.now() - datetime.timedelta(hours=1),
        venue="Village activity center",
        kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
        scheme=RatingScheme.objects.get(name="Default scheme"),
        cadres=cadres,
        by=admin,
    )
    meeting_services.meeting_announce(meeting=meeting, by=operator)
    meeting = meeting_services.voting_open(meeting=meeting, by=operator)
    terminal, _token = services.terminal_arm(meeting=meeting, label="Terminal 1", by=operator)
    criteria = list(meeting.scheme.criteria.all())
    grades = {grade.code: grade.pk for grade in meeting.scheme.grades.all()}
    voters = list(Resident.objects.in_village(village).on_roll().select_related("household").order_by("name"))
    for index, resident in enumerate(voters):
        code = services.code_issue(meeting=meeting, resident=resident, by=operator)
        grade = "satisfied" if index % 4 else "basically_satisfied"
        services.ballot_cast(
            terminal=terminal,
            code=code,
            grades={(cadre.pk, criterion.pk): grades[grade] for cadre in cadres for criterion in criteria},
            households=[resident.household_id] if index < 3 else [],
        )
    meeting = meeting_services.voting_close(meeting=meeting, by=operator)
    snapshot = compute_and_publish(meeting, by=admin)
    name, data = meeting_export(meeting=meeting, by=admin)
    (workdir / name).write_bytes(data)
    print(
        json.dumps(
            {
                "public_key": signing.public_text(signing.load_private().public_key()),
                "bundle": str(workdir / name),
                "receipts": receipts,
                "voters": len(voters),
                "seal": snapshot.ballots_sha256,
                "figures": {
                    row["name"]: [(row.get("overall") or {}).get("score"), row.get("verdict")]
                    for row in snapshot.data["cadres"]
                },
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
