"""The audit log page as a township administrator reads it: actions by name, the object named, details
as lines in their own script, filters by action, user and dates, and a CSV export of what is filtered."""

import csv
import datetime
import io
import re
from html import unescape
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from portal import audit
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("english_pages")


def text(response) -> str:
    """The log's table as read: tags removed, white space folded (not the filter's list of actions)."""
    table = re.search(r"<table.*?</table>", response.content.decode(), re.S).group(0)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table)))


def exported(client, **filters) -> list[list[str]]:
    response = client.get(reverse("staff:audit"), {**filters, "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")  # Excel on Chinese Windows reads it as UTF-8
    return list(csv.reader(io.StringIO(content[1:])))


@pytest.fixture
def logged(county):
    """Entries by two accounts in the admin's villages, one elsewhere, and one dated last month."""
    clerk = UserFactory(username="clerk-ayshem")
    audit.record(
        actor=county.township_admin,
        action="role_grant",
        target=county.village,
        details={"role": "村务监督委员会", "user": "clerk-ayshem", "villages": ["بوستان", 2]},
    )
    audit.record(actor=clerk, action="roll_import", target=county.neighbour, details={"created": 12})
    outsider = UserFactory(username="clerk-elsewhere")
    audit.record(actor=outsider, action="roll_import", target=county.elsewhere, details={"created": 3})
    # An entry recorded forty days ago (the log is append-only: it is written then, not dated back).
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - datetime.timedelta(days=40)):
        audit.record(actor=clerk, action="voting_open", target=county.village, details={})
    return county


def test_actions_read_by_name_with_the_object_and_details_in_their_script(client, logged):
    client.force_login(logged.township_admin)
    response = client.get(reverse("staff:audit"))

    page = text(response)
    assert "Role granted" in page and "Voter roll imported" in page and "Voting opened" in page
    assert "role_grant" not in page and "roll_import" not in page
    assert "village: Bostan" in page and "village: Yulghun" in page
    assert "role: 村务监督委员会" in page
    assert 'villages: ["بوستان", 2]' in page
    assert "\\u" not in response.content.decode()


def test_filters_by_action_user_and_dates(client, logged):
    client.force_login(logged.township_admin)
    url = reverse("staff:audit")

    by_action = text(client.get(url, {"action": "role_grant"}))
    assert "Role granted" in by_action and "Voter roll imported" not in by_action
    by_user = text(client.get(url, {"actor": "clerk-ayshem"}))
    assert "Voter roll imported" in by_user and "Role granted" not in by_user
    today = timezone.localdate()
    recent = text(client.get(url, {"first": today - datetime.timedelta(days=7), "last": today}))
    assert "Voter roll imported" in recent and "Voting opened" not in recent
    old = text(client.get(url, {"last": today - datetime.timedelta(days=30)}))
    assert "Voting opened" in old and "Voter roll imported" not in old


def test_the_user_filter_offers_only_accounts_in_the_admins_scope(client, logged):
    client.force_login(logged.township_admin)
    page = client.get(reverse("staff:audit")).content.decode()
    assert '<option value="clerk-ayshem"' in page
    assert '<option value="clerk-elsewhere"' not in page  # acted only in another township


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"action": "no_such_action"}, "Select a valid choice"),
        ({"first": "2024-13-40"}, "Enter a valid date"),
        ({"first": "2024-05-02", "last": "2024-05-01"}, "The first date must not be after the last."),
    ],
)
def test_bad_filters_are_a_400_saying_why(client, logged, filters, message):
    client.force_login(logged.township_admin)
    response = client.get(reverse("staff:audit"), filters)
    assert response.status_code == 400
    assert message in unescape(response.content.decode())
    assert "Role granted" not in text(response)  # nothing listed under a filter it could not read
    assert client.get(reverse("staff:audit"), {**filters, "export": "csv"}).status_code == 400


def test_export_holds_the_filtered_entries_as_the_page_names_them(client, logged):
    client.force_login(logged.township_admin)

    rows = exported(client)
    assert rows[0] == ["No.", "Time", "Division code", "User", "Action", "Object", "Details"]
    # In the order recorded (after the county's own role grants), the township's villages only: the
    # import in Arish (another township) is absent.
    assert [row[4] for row in rows[-3:]] == ["Role granted", "Voter roll imported", "Voting opened"]
    assert [row[3] for row in rows].count("clerk-elsewhere") == 0
    grant = rows[-3]
    assert grant[5] == "village: Bostan"
    assert grant[6].splitlines() == ["role: 村务监督委员会", "user: clerk-ayshem", 'villages: ["بوستان", 2]']
    # The 12-digit division code stays text in Excel, not 6.53E+11.
    assert grant[2] == '="653121100201"'

    assert [row[4] for row in exported(client, actor="clerk-ayshem")[1:]] == [
        "Voter roll imported",
        "Voting opened",
    ]


def test_the_page_links_an_export_of_what_it_shows(client, logged):
    client.force_login(logged.township_admin)
    page = client.get(reverse("staff:audit"), {"action": "role_grant", "page": "1"}).content.decode()
    link = re.search(r'class="[^"]*audit-export[^"]*" href="\?([^"]+)"', page).group(1)
    assert "action=role_grant" in unescape(link) and "export=csv" in link and "page=" not in link


@pytest.mark.parametrize("role", ["moderator", "operator", "nobody"])
def test_the_export_is_a_404_for_other_roles(client, logged, role):
    client.force_login(getattr(logged, role))
    assert client.get(reverse("staff:audit"), {"export": "csv"}).status_code == 404


def test_every_action_the_code_records_has_a_name_in_the_log():
    """A new audited action without a label would show its raw code to the township office."""
    import re
    from pathlib import Path

    from portal.audit_labels import ACTION_LABELS

    root = Path(__file__).resolve().parents[2]
    recorded = set()
    for app in ("portal", "meetings", "ratings"):
        for source in (root / app).rglob("*.py"):
            # Management commands' "action=" is argparse's, not the log's.
            if "migrations" not in source.parts and "management" not in source.parts:
                text = source.read_text(encoding="utf-8")
                recorded |= set(re.findall(r'action="([a-z_]+)"', text))
                # action="x" if ... else "y"
                recorded |= set(re.findall(r'action="[a-z_]+" if [^\n]+ else "([a-z_]+)"', text))
    assert recorded, "the scan found no audited action"
    assert sorted(recorded - set(ACTION_LABELS)) == []
