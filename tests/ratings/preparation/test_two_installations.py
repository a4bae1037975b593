"""Two installations, both ways: the county (this test's database) prepares Bostan's laptop; the laptop
(a subprocess with its own SQLite database and key, knowing only the county's public key) receives the
file instead of seeding the village itself, votes, certifies, publishes and exports; the county
registers the laptop's key and imports the bundle onto the very rows it sent.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from portal.models import AuditEntry, Cadre, Household, Resident
from portal.services.venue_keys import venue_key_register
from ratings.bundle.services import meeting_import
from ratings.closure.certificate import certificate_of
from ratings.models import Ballot, BallotNomination, ResultSnapshot
from ratings.preparation.services import village_prepare
from ratings.results.verify import recount_differences
from tests.factories import ResidentFactory

pytestmark = pytest.mark.usefixtures("english")


def run_venue(workdir, prepared, county_key) -> dict:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'venue.sqlite3'}",
        "PORTAL_SIGNING_KEY_FILE": str(workdir / "signing-key.pem"),
        "PORTAL_COUNTY_PUBLIC_KEY": county_key,
        # The same roll hash key as the county's: the roll travels as keyed hashes (tests.settings).
        "PORTAL_ROLL_HASH_KEY": settings.ROLL_HASH_KEY,
    }
    run = subprocess.run(
        [sys.executable, "-m", "tests.ratings.preparation.venue", str(workdir), str(prepared)],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_county_prepares_the_laptop_and_files_its_meeting(client, county, registry, county_key, tmp_path):
    for _index in range(10):  # fourteen on the roll: enough ballots for results to be published
        ResidentFactory(household=registry.households[1])
    name, data = village_prepare(village=county.village, by=county.township_admin)
    prepared = tmp_path / name
    prepared.write_bytes(data)

    laptop = tmp_path / "laptop"
    laptop.mkdir()
    venue = run_venue(laptop, prepared, county_key)

    first, second = venue["receipts"]
    assert "residents created: 15" in first and "cadres created: 2" in first and "Bostan is prepared" in first
    assert "nothing changed" in second
    assert venue["voters"] == 14  # the received roll: the villager off the county's roll stayed off

    cadres, households, residents = Cadre.objects.count(), Household.objects.count(), Resident.objects.count()
    venue_key_register(
        village=county.village, public_key=venue["public_key"], label="Laptop 1", by=county.township_admin
    )
    with open(venue["bundle"], "rb") as bundle:
        outcome = meeting_import(data=bundle.read(), by=county.township_admin)
    meeting = outcome.meeting
    # The laptop's cadres and households are the county's own rows: nothing new was made for them.
    assert (Cadre.objects.count(), Household.objects.count()) == (cadres, households)
    # The certificate's scrutineers are villagers of the roll the county sent: found on it, not made.
    assert Resident.objects.count() == residents
    assert set(meeting.scrutineers.values_list("resident__active", flat=True)) == {True}
    assert set(meeting.reporting.values_list("cadre", flat=True)) == {cadre.pk for cadre in registry.cadres}
    assert BallotNomination.objects.filter(ballot__meeting=meeting).count() == 3
    live = ResultSnapshot.objects.of_meeting(meeting).live().get()
    assert live.ballots == Ballot.objects.filter(meeting=meeting).count() == 14
    assert {row["name"]: [row["overall"]["score"], row["verdict"]] for row in live.data["cadres"]} == venue[
        "figures"
    ]
    assert recount_differences(live) == []
    assert AuditEntry.objects.filter(action="village_prepare", scope=county.village.code).exists()

    page = client.get(
        reverse("ratings:results", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Tursun Mamat" in page and "Li Hua" in page
    ranking = client.get(
        reverse("ratings:township-ranking", args=[county.township.pk]),
        {"year": 2024, "post": "party_secretary"},
    )
    assert county.village.name in ranking.content.decode()
    client.force_login(county.township_admin)
    review = client.get(reverse("ratings:staff-results", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Filed from the venue" in review.content.decode()
    assert venue["seal"] in review.content.decode()  # the seal the venue's notice board showed
    live_certificate = certificate_of(meeting, live)
    assert live_certificate.filed and live_certificate.confirmed
