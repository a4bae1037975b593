"""Names in both scripts (portal/names.py): a Uyghur page shows the Uyghur name, every other page the
Chinese one, each falling back to the other, isolated in <bdi> so that its punctuation stays in place."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from portal.names import local_name
from tests.factories import CadreFactory, HouseholdFactory

UYGHUR = "بوستان كەنتى"


@pytest.fixture
def both_scripts(county):
    county.village.name = "博斯坦村"
    county.village.name_ug = UYGHUR
    county.village.save()
    county.township.name_ug = "توغراق يېزىسى"
    county.township.save()
    return county


@pytest.mark.parametrize(
    "language, name, name_ug, shown",
    [
        ("ug", "博斯坦村", UYGHUR, UYGHUR),
        ("ug", "博斯坦村", "", "博斯坦村"),  # no Uyghur name: the Chinese one
        ("zh-hans", "博斯坦村", UYGHUR, "博斯坦村"),
        ("en", "博斯坦村", UYGHUR, "博斯坦村"),
        ("zh-hans", "", UYGHUR, UYGHUR),  # no Chinese name: the Uyghur one
    ],
)
def test_the_page_language_picks_the_script_and_the_other_is_the_fallback(language, name, name_ug, shown):
    with translation.override(language):
        assert local_name({"name": name, "name_ug": name_ug}) == shown


def test_a_household_is_named_by_its_label(county):

    household = HouseholdFactory(village=county.village, number="3组12号", name_ug="3-گۇرۇپپا 12-نومۇر")
    assert local_name(household, "zh-hans") == "3组12号"
    assert local_name(household, "ug") == "3-گۇرۇپپا 12-نومۇر"


def test_the_filter_isolates_the_name_and_escapes_it():
    template = Template("{% load names %}{{ thing|localname }}|{{ thing|localname_text }}")
    with translation.override("ug"):
        html = template.render(Context({"thing": {"name": "<b>村</b>", "name_ug": ""}}))
    assert html == "<bdi>&lt;b&gt;村&lt;/b&gt;</bdi>|&lt;b&gt;村&lt;/b&gt;"


def test_the_village_page_in_uyghur_shows_uyghur_names(client, both_scripts):
    cadre = CadreFactory(village=both_scripts.village, name="艾力·买买提", name_ug="ئەلى مەمەت")
    page = client.get(both_scripts.village.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ug").content.decode()

    assert 'dir="rtl"' in page
    assert f'<h1 class="h2"><bdi>{UYGHUR}</bdi></h1>' in page
    assert "<bdi>توغراق يېزىسى</bdi>" in page
    assert cadre.name_ug in page and cadre.name not in page


def test_the_village_page_in_chinese_shows_chinese_names(client, both_scripts):
    CadreFactory(village=both_scripts.village, name="艾力·买买提", name_ug="ئەلى مەمەت")
    page = client.get(
        both_scripts.village.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert '<h1 class="h2"><bdi>博斯坦村</bdi></h1>' in page
    assert "艾力·买买提" in page and "ئەلى مەمەت" not in page


def test_the_home_page_in_uyghur_falls_back_to_the_chinese_name(client, both_scripts):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ug").content.decode()

    assert f"<bdi>{UYGHUR}</bdi>" in page
    assert "<bdi>Yulghun</bdi>" in page  # the neighbour has no Uyghur name
