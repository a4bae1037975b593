"""The results page and the printed notice name cadres, villages and honored households in the page's
script (portal/names.py); a results document carries a Uyghur name only where there is one."""

import pytest
from django.urls import reverse

from portal.models import Resident
from ratings.results import services
from tests.worlds import compute_and_publish, voted_world


@pytest.fixture
def published(county):
    world = voted_world(county, ["satisfied"] * 6, nominations=[[0], [0]])
    world.cadres[0].name, world.cadres[0].name_ug = "艾力·买买提", "ئەلى مەمەت"
    world.cadres[0].save()
    world.cadres[1].name = "王芳"
    world.cadres[1].save()
    county.village.name_ug = "بوستان كەنتى"
    county.village.save()
    first = Resident.objects.filter(household=world.households[0]).order_by("pk").first()
    first.name, first.name_ug = "阿依古丽", "ئايگۈل"
    first.save()

    services.honor_candidates_collect(meeting=world.meeting, by=county.township_admin)
    for candidate in world.meeting.honor_candidates.all():
        services.honor_candidate_review(
            candidate=candidate, accept=True, award="奖状", by=county.township_admin
        )
    snapshot = compute_and_publish(world.meeting, by=county.township_admin)
    return world, snapshot


def page(client, name, meeting, language) -> str:
    response = client.get(reverse(f"ratings:{name}", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_the_document_keeps_a_uyghur_name_only_where_there_is_one(published):
    _world, snapshot = published
    cadres = {cadre["name"]: cadre for cadre in snapshot.data["cadres"]}

    assert cadres["艾力·买买提"]["name_ug"] == "ئەلى مەمەت"
    assert "name_ug" not in cadres["王芳"]


@pytest.mark.parametrize("name", ["results", "results-notice"])
def test_uyghur_results_name_cadres_village_and_households_in_uyghur(client, published, name):
    world, _snapshot = published
    html = page(client, name, world.meeting, "ug")

    assert "<bdi>ئەلى مەمەت</bdi>" in html and "艾力·买买提" not in html
    assert "<bdi>王芳</bdi>" in html  # no Uyghur name: the Chinese one
    assert "<bdi>بوستان كەنتى</bdi>" in html
    assert "ئايگۈل" in html and "阿依古丽" not in html


@pytest.mark.parametrize("name", ["results", "results-notice"])
def test_chinese_results_name_everyone_in_chinese(client, published, name):
    world, _snapshot = published
    html = page(client, name, world.meeting, "zh-hans")

    assert "<bdi>艾力·买买提</bdi>" in html and "ئەلى مەمەت" not in html
    assert "阿依古丽" in html and "ئايگۈل" not in html
    assert "بوستان كەنتى" not in html
