"""The ballot in Uyghur names the cadres and the villagers in Uyghur (portal/names.py), the Chinese name
where there is no Uyghur one; in Chinese it names them in Chinese."""

import json
import re

import pytest

from portal.models import Cadre, Resident
from tests.ratings.ballot.doors import arm, begin, url
from tests.worlds import RESIDENT_NAMES, build_kiosk_world


@pytest.fixture
def world(county):
    world = build_kiosk_world(county, cadres=2, codes=4)
    Cadre.objects.filter(pk=world.cadres[0].pk).update(name="艾力·买买提", name_ug="ئەلى مەمەت")
    Cadre.objects.filter(pk=world.cadres[1].pk).update(name="王芳", name_ug="")
    Resident.objects.filter(name=RESIDENT_NAMES[0]).update(name_ug="ئايگۈل")
    return world


def cadre_names(page: str) -> list[str]:
    return re.findall(r'class="ballot-cadre-name"[^>]*>(.*?)</h2>', page)


def test_the_uyghur_ballot_names_the_cadre_in_uyghur_and_falls_back_to_chinese(client, world):
    arm(client, world)
    begin(client, world.codes[0], language="ug")
    page = client.get(url("kiosk-ballot")).content.decode()

    assert cadre_names(page) == ["<bdi>ئەلى مەمەت</bdi>", "<bdi>王芳</bdi>"]
    # The household search (JSON in the page) lists the villager's Uyghur name.
    assert json.dumps("ئايگۈل") in page and json.dumps(RESIDENT_NAMES[0]) not in page


def test_the_chinese_ballot_names_the_cadre_in_chinese(client, world):
    arm(client, world)
    begin(client, world.codes[0], language="zh-hans")
    page = client.get(url("kiosk-ballot")).content.decode()

    assert cadre_names(page) == ["<bdi>艾力·买买提</bdi>", "<bdi>王芳</bdi>"]
    assert "ئەلى مەمەت" not in page and json.dumps(RESIDENT_NAMES[0]) in page
