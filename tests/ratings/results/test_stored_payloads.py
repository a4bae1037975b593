"""A script stored in any free text the results show — a cadre's or a village's name, a household, a
resident, the scheme's words, an honor roll reason or award, an objection, a ruling — stays inert on
every public and staff results page. The payloads are written straight to the database before the
results are computed (so that they are frozen into the snapshot), as a bug or an import would."""

import pytest
from django.urls import reverse

from portal.models import Cadre, Household, Resident, Village
from ratings.models import Criterion, Grade, HonorCandidate, HonorNomination, Objection, RatingScheme
from ratings.results import services as results_services
from tests.payloads import PAYLOADS, assert_pages_inert
from tests.worlds import certify, voted_world

SHORT = "<img src=x onerror=alert(1)>"


@pytest.fixture
def poisoned(county):
    payload = iter(PAYLOADS * 10)
    world = voted_world(county, ["satisfied"] * 5 + ["dissatisfied"], nominations=[[0], [0, 1]])
    meeting, admin = world.meeting, county.township_admin
    for cadre in world.cadres:
        Cadre.objects.filter(pk=cadre.pk).update(name=next(payload))
    Village.objects.filter(pk=county.village.pk).update(name=next(payload))
    RatingScheme.objects.filter(pk=world.scheme.pk).update(name=next(payload))
    Criterion.objects.filter(scheme=world.scheme).update(name=next(payload))
    # Short fields (30 and 40 characters; PostgreSQL enforces the length) get a short payload.
    Grade.objects.filter(scheme=world.scheme).update(label=SHORT)
    Household.objects.filter(pk=world.households[0].pk).update(number=SHORT)
    Resident.objects.filter(household=world.households[0]).update(name=next(payload))
    HonorNomination.objects.create(
        meeting=meeting, household=world.households[1], reason=next(payload), nominated_by=admin
    )
    results_services.honor_candidates_collect(meeting=meeting, by=admin)
    HonorCandidate.objects.filter(meeting=meeting).update(
        status=HonorCandidate.Status.ACCEPTED, award=next(payload), review_note=next(payload)
    )
    snapshot = results_services.results_compute(meeting=meeting, by=admin)
    certify(snapshot.meeting, by=admin)
    snapshot = results_services.results_publish(snapshot=snapshot, by=admin)
    Objection.objects.create(snapshot=snapshot, text=next(payload), name=next(payload), contact=next(payload))
    Objection.objects.create(
        snapshot=snapshot,
        text=next(payload),
        status=Objection.Status.REJECTED,
        ruling=next(payload),
        ruled_by=admin,
    )
    return world


def test_public_results_pages_keep_stored_payloads_inert(client, county, poisoned):
    meeting, cadre = poisoned.meeting, poisoned.cadres[0]
    page = client.get(reverse("ratings:results", args=[meeting.pk])).content.decode()
    # Shown as text: escaped, not dropped.
    assert "&lt;script&gt;window[&quot;xss-probe&quot;]" in page
    assert_pages_inert(
        client,
        [
            reverse("ratings:results", args=[meeting.pk]),
            reverse("ratings:results-notice", args=[meeting.pk]),
            reverse("ratings:honor-roll", args=[meeting.pk]),
            reverse("ratings:objection-lodge", args=[meeting.pk]),
            reverse("ratings:cadre-history", args=[cadre.pk]),
            reverse("ratings:village-ranking", args=[county.village.code]),
            reverse("ratings:township-ranking", args=[county.township.pk]),
            reverse("home"),
        ],
    )


def test_staff_results_pages_keep_stored_payloads_inert(client, county, poisoned):
    meeting = poisoned.meeting
    client.force_login(county.township_admin)
    assert_pages_inert(
        client,
        [
            reverse("ratings:staff-results", args=[meeting.pk]),
            reverse("ratings:staff-honor", args=[meeting.pk]),
            reverse("ratings:staff-objections"),
            reverse("staff:dashboard"),
        ],
    )
