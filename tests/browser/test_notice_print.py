"""The notice for the village board, printed by Chromium to an A4 PDF, as a clerk would print it: the
sheet keeps its title, issuer, dates and the public address (the print style once hid them all)."""

import re

import pypdfium2
import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page

from tests.browser.traffic import Traffic
from tests.worlds import published_world

pytestmark = pytest.mark.browser

VOTES = ["satisfied"] * 4 + ["basically_satisfied", "dissatisfied"]
PUBLIC_URL = "https://rating.example.gov.cn"


def pdf_text(pdf: bytes) -> str:
    """Every page's text, white space folded (the PDF breaks lines where the sheet wraps)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()
    return re.sub(r"\s+", " ", " ".join(pages))


@pytest.mark.parametrize("locale", ["en"])
def test_the_printed_notice_keeps_title_issuer_dates_and_public_address(
    live_server, county, page: Page, traffic: Traffic, settings
):
    settings.PUBLIC_URL = PUBLIC_URL
    world, snapshot = published_world(county, VOTES)
    results_path = reverse("ratings:results", args=[world.meeting.pk])

    page.goto(live_server.url + reverse("ratings:results-notice", args=[world.meeting.pk]))
    printed = pdf_text(page.pdf(format="A4", print_background=True))

    assert f"Public notice: the villagers' rating of the village cadres, {world.meeting.year}" in printed
    assert "Issued by the villagers' committee of Bostan and Tograk Township" in printed
    published_on = timezone.localtime(snapshot.published_at)
    assert f"Published {published_on:%Y-%m-%d}" in printed
    assert f"notice period until {snapshot.notice_ends:%Y-%m-%d}" in printed
    # The address villagers can reach, never the one the clerk's browser used.
    assert f"published at {PUBLIC_URL}{results_path}" in printed
    assert live_server.url not in printed and "127.0.0.1" not in printed
    # The QR code beside it is printed at a size a phone can read.
    qr = page.locator(".notice-qr svg").bounding_box()
    assert qr["width"] >= 100 and qr["height"] >= 100
    # No site navigation or buttons on the sheet.
    assert "Back to the results" not in printed and "Print command" not in printed
    assert traffic.console_errors == []
    assert traffic.failures == []
