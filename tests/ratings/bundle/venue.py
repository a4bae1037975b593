"""A venue laptop, as a separate installation: its own SQLite database and its own signing key.

Run by the tests as `python -m tests.ratings.bundle.venue WORKDIR` with DATABASE_URL and
PORTAL_SIGNING_KEY_FILE set: seeds the village the county also has (same code), votes through the kiosk's
services, has the closure certificate signed, publishes, and exports the bundle twice (v1, then v2 after
a commitment is added). Prints one JSON line: the public key, the bundle files, and the results as the
venue published them (name → score, verdict).
"""

import io
import json
import os
import sys
from pathlib import Path

import django


def main(workdir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from meetings.models import Commitment
    from portal import signing
    from portal.models import CadrePost, Role
    from portal.services.roles import role_grant
    from ratings.bundle.services import meeting_export
    from tests.conftest import County
    from tests.factories import TownshipFactory, UserFactory, VillageFactory
    from tests.worlds import compute_and_publish, voted_world

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
    world = voted_world(county, grades, nominations=[[0], [0], [1]], cadres=2)
    for cadre, post in zip(world.cadres, ("party_secretary", "committee_director"), strict=True):
        CadrePost.objects.create(cadre=cadre, post=post, term_start=2021)
    snapshot = compute_and_publish(world.meeting, by=admin)
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
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
