"""The operator's codes and terminals pages: every form stands on its own (a form inside another is
dropped by the browser, whose outer form then posts the inner one's fields to the wrong place)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from ratings.ballot import services

pytestmark = pytest.mark.usefixtures("english_pages")


class Forms(HTMLParser):
    """The action of every <form>, and whether one ever opened inside another."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.nested = False
        self.actions = []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.nested = self.nested or self.depth > 0
            self.depth += 1
            self.actions.append(dict(attrs).get("action"))

    def handle_endtag(self, tag):
        if tag == "form":
            self.depth -= 1


def forms_of(response) -> Forms:
    assert response.status_code == 200
    parser = Forms()
    parser.feed(response.content.decode())
    assert parser.depth == 0
    return parser


def test_no_form_inside_another_on_the_codes_page(client, operator_world):
    meeting = operator_world.meeting
    client.force_login(operator_world.county.operator)
    forms = forms_of(client.get(reverse("ratings:codes", args=[meeting.pk])))
    assert not forms.nested
    for name in ("ratings:codes-batch", "ratings:code-void"):
        assert forms.actions.count(reverse(name, args=[meeting.pk])) == 1


def test_no_form_inside_another_on_the_terminals_page(client, operator_world):
    meeting = operator_world.meeting
    operator = operator_world.county.operator
    terminal, _token = services.terminal_arm(meeting=meeting, label="Door", by=operator)
    client.force_login(operator)
    forms = forms_of(client.get(reverse("ratings:terminals", args=[meeting.pk])))
    assert not forms.nested
    assert forms.actions.count(reverse("ratings:terminal-arm", args=[meeting.pk])) == 1
    assert reverse("ratings:terminal-disarm", args=[meeting.pk, terminal.pk]) in forms.actions


def test_the_batch_form_still_prints_codes(client, operator_world):
    client.force_login(operator_world.county.operator)
    html = client.get(reverse("ratings:codes", args=[operator_world.meeting.pk])).content.decode()
    assert 'name="print"' in html and 'name="void"' in html
