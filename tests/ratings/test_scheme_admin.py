"""Rating schemes are set up in the admin by township administrators and frozen once voting opens."""

from django.urls import reverse

from meetings.models import Meeting
from portal.models import AuditEntry
from ratings.ballot.schemes import scheme_create
from tests.factories import CadreFactory
from tests.worlds import make_meeting


def test_default_scheme_has_the_briefs_defaults(db):
    scheme = scheme_create(name="Test")
    assert list(scheme.criteria.values_list("code", flat=True)) == ["de", "neng", "qin", "ji", "lian"]
    grades = {grade.code: (grade.value, grade.standing) for grade in scheme.grades.all()}
    assert grades == {
        "satisfied": (100, "top"),
        "basically_satisfied": (75, "pass"),
        "dissatisfied": (55, "bottom"),
        "dont_know": (None, "abstain"),
    }
    assert {group.kind: str(group.weight) for group in scheme.groups.all()} == {
        "villager": "0.700",
        "township_panel": "0.300",
    }


def test_township_admin_changes_a_scheme_until_voting_opens(client, county):
    scheme = scheme_create(name="Spring", township=county.township)
    meeting = make_meeting(county.village, [CadreFactory(village=county.village)], scheme=scheme)
    client.force_login(county.township_admin)
    url = reverse("admin:ratings_ratingscheme_change", args=[scheme.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' in page.content

    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.VOTING_OPEN)
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # shown, never changed
    response = client.post(url, {"name": "Changed", "max_nominations": 9})
    assert response.status_code == 403
    scheme.refresh_from_db()
    assert scheme.name == "Spring"


def test_creating_a_scheme_in_the_admin_is_audited(client, county):
    client.force_login(county.township_admin)
    data = {
        "name": "Autumn",
        "township": county.township.pk,
        "max_nominations": 3,
        "excellent_share": "0.9",
        "incompetent_share": "0.5",
        "min_cell": 5,
    }
    for prefix in ("criteria", "grades", "groups"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    response = client.post(reverse("admin:ratings_ratingscheme_add"), data)
    assert response.status_code == 302, response.content.decode()[:1500]
    actions = list(AuditEntry.objects.in_order_recorded().values_list("action", flat=True))[-2:]
    assert actions == ["scheme_create", "admin_add"]
    # The township's entry, in the township's chain: its administrators read it in their audit log.
    entry = AuditEntry.objects.get(action="scheme_create")
    assert entry.scope == county.township.code


def test_a_township_administrator_only_reads_a_county_preset(client, county):
    preset = scheme_create(name="County preset")
    client.force_login(county.township_admin)
    url = reverse("admin:ratings_ratingscheme_change", args=[preset.pk])
    assert b'name="_save"' not in client.get(url).content
    assert client.post(url, {"name": "Changed"}).status_code == 403
    preset.refresh_from_db()
    assert preset.name == "County preset"


def test_another_townships_scheme_is_not_found_in_the_admin(client, county):
    theirs = scheme_create(name="Theirs", township=county.elsewhere.township)
    client.force_login(county.township_admin)
    listing = client.get(reverse("admin:ratings_ratingscheme_changelist")).content.decode()
    assert "Theirs" not in listing
    answer = client.get(reverse("admin:ratings_ratingscheme_change", args=[theirs.pk]))
    assert answer.status_code == 302  # the admin's "does not exist" sends back to the index
    assert (
        client.post(reverse("admin:ratings_ratingscheme_change", args=[theirs.pk]), {"name": "x"}).status_code
        == 302
    )
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_other_roles_do_not_see_schemes(client, county):
    client.force_login(county.moderator)
    assert client.get(reverse("admin:ratings_ratingscheme_changelist")).status_code == 403
