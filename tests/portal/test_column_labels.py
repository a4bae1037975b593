"""Column labels say what the column holds: a person's name is "姓名", a terminal is a terminal and a
scheme a scheme (the generic "name" reads "名称", right for a place, wrong for a person)."""

import re

from django.urls import reverse

from ratings.ballot import services as ballot_services
from tests.worlds import build_operator_world


def headers(response) -> list[str]:
    html = response.content.decode()
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)]


def test_the_roll_names_people_with_a_persons_name(client, county):
    client.force_login(county.moderator)
    response = client.get(reverse("staff:roll", args=[county.village.code]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "姓名" in headers(response)
    assert "名称" not in headers(response)


def test_the_terminals_column_is_the_terminal_not_a_persons_name(client, county):
    world = build_operator_world(county)
    ballot_services.terminal_arm(meeting=world.meeting, label="Door", by=county.operator)
    client.force_login(county.operator)
    response = client.get(
        reverse("ratings:terminals", args=[world.meeting.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert headers(response)[0] == "投票终端"
    assert "姓名" not in headers(response)
