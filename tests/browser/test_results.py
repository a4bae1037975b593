"""Published results in a real browser, in Chinese and in Uyghur (right to left): the bars are drawn."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.traffic import Traffic
from tests.worlds import published_world

pytestmark = pytest.mark.browser

VOTES = ["satisfied"] * 4 + ["basically_satisfied", "dissatisfied"]


@pytest.mark.parametrize(
    ("locale", "lang", "direction"),
    [pytest.param("zh-Hans", "zh-hans", "ltr", id="zh-hans"), pytest.param("ug", "ug", "rtl", id="ug")],
)
def test_results_page_draws_the_distribution_bars(
    live_server, county, page: Page, traffic: Traffic, lang, direction
):
    world, snapshot = published_world(county, VOTES)

    page.goto(live_server.url + reverse("ratings:results", args=[world.meeting.pk]))

    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (lang, direction)
    bars = page.locator("svg.distribution-bar")
    # Two cadres: each overall, five criteria, one voter group with ballots.
    assert bars.count() >= 2 * (1 + 5 + 1)
    first = bars.first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box["width"] > 100 and box["height"] > 0
    # 4 satisfied of 6 on every line: the "satisfied" segment takes two thirds of the bar, on the side
    # where the line starts — the left in Chinese, the right in Uyghur.
    segment = first.locator("rect").first.bounding_box()
    assert segment["width"] == pytest.approx(box["width"] * 4 / 6, abs=2)
    if direction == "rtl":
        assert segment["x"] + segment["width"] == pytest.approx(box["x"] + box["width"], abs=2)
    else:
        assert segment["x"] == pytest.approx(box["x"], abs=2)
    expect(page.get_by_text(snapshot.data["counts_sha256"]).first).to_be_visible()
    # axe-core finds nothing serious or critical on the page (WCAG A and AA rules).
    report = Axe().run(page, options={"resultTypes": ["violations"]})
    bad = [rule for rule in report.response["violations"] if rule["impact"] in {"serious", "critical"}]
    assert not bad, report.generate_report()
    assert traffic.console_errors == []
    assert traffic.failures == []
    assert traffic.external_requests() == []
    assert traffic.server_warnings() == []
