"""The scheme editor: a township's schemes and the county's presets, scoped like everything else,
frozen once a meeting using them opens its vote, validated with messages, audited in the township."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from meetings.forms import MeetingForm
from meetings.models import Meeting
from meetings.services import meeting_create
from portal.models import AuditEntry
from ratings.ballot.schemes import in_mode, scheme_create
from ratings.models import RatingScheme
from ratings.schemes.services import scheme_copy
from tests.factories import CadreFactory
from tests.worlds import make_meeting

pytestmark = pytest.mark.usefixtures("english", "english_pages")


def edit_url(scheme):
    return reverse("ratings:scheme", args=[scheme.pk])


def posted(scheme, **changes) -> dict:
    """The editor's form as the page sends it back, with `changes` on top."""
    data = {
        "name": scheme.name,
        "max_nominations": scheme.max_nominations,
        "excellent_share": str(scheme.excellent_share),
        "incompetent_share": str(scheme.incompetent_share),
        "min_cell": scheme.min_cell,
    }
    if scheme.quick_mode:
        data["quick_mode"] = "on"
    rows = {
        "criteria": list(scheme.criteria.values("code", "name", "description")),
        "grades": list(scheme.grades.values("code", "label", "value", "standing", "tone")),
        "groups": list(scheme.groups.values("kind", "weight")),
    }
    for prefix, items in rows.items():
        data |= {f"{prefix}-TOTAL_FORMS": len(items), f"{prefix}-INITIAL_FORMS": len(items)}
        for index, row in enumerate(items):
            data |= {f"{prefix}-{index}-{key}": "" if value is None else value for key, value in row.items()}
    return data | changes


def test_the_administrator_starts_a_competence_scheme_in_quick_mode(client, county):
    client.force_login(county.township_admin)
    answer = client.post(
        reverse("ratings:schemes"),
        {"name": "Tograk 2026", "scale": "competence", "quick_mode": "on", "township": county.township.pk},
    )
    scheme = RatingScheme.objects.get(name="Tograk 2026")
    assert answer["Location"] == edit_url(scheme)
    assert scheme.township == county.township and scheme.quick_mode
    labels = list(scheme.grades.values_list("label", flat=True))
    assert labels == ["优秀", "称职", "基本称职", "不称职", "不了解"]
    entry = AuditEntry.objects.get(action="scheme_create")
    assert entry.scope == county.township.code


def test_the_start_page_offers_both_preset_scales(client, county):
    client.force_login(county.township_admin)
    page = client.get(reverse("ratings:schemes")).content.decode()
    assert "满意 / 基本满意 / 不满意 / 不了解 (Satisfied, Basically satisfied" in page
    assert "优秀 / 称职 / 基本称职 / 不称职 / 不了解 (Excellent, Competent" in page


def test_the_administrator_edits_grades_criteria_and_weights(client, county):
    scheme = scheme_create(name="Spring", township=county.township)
    client.force_login(county.township_admin)
    data = posted(
        scheme,
        **{
            "excellent_share": "0.850",
            "grades-1-value": "80",
            "criteria-4-DELETE": "on",
            "groups-0-weight": "0.4",  # the groups in order of kind: the township panel first
            "groups-1-weight": "0.6",
        },
    )
    answer = client.post(edit_url(scheme), data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    scheme.refresh_from_db()
    assert str(scheme.excellent_share) == "0.850"
    assert list(scheme.criteria.values_list("code", flat=True)) == ["de", "neng", "qin", "ji"]
    assert scheme.grades.get(code="basically_satisfied").value == 80
    assert {g.kind: str(g.weight) for g in scheme.groups.all()} == {
        "villager": "0.600",
        "township_panel": "0.400",
    }
    entry = AuditEntry.objects.in_order_recorded().last()
    assert (entry.action, entry.scope) == ("scheme_change", county.township.code)
    assert {"criteria", "excellent_share", "grades", "groups"} <= set(entry.details["changed"])


def test_each_input_of_the_tables_is_named_by_its_column_and_row(client, county):
    # The rows are table cells under a heading, with no <label>: a screen reader names each input.
    scheme = scheme_create(name="Spring", township=county.township)
    client.force_login(county.township_admin)
    page = client.get(edit_url(scheme)).content.decode()
    assert 'value="能" maxlength="50" aria-label="Name, row 2"' in page
    assert 'aria-label="Delete, row 1"' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"groups-1-weight": "0.5"}, "The group weights must add up to 1"),
        ({"grades-3-value": "10"}, "An abstention (“don&#x27;t know”) has no score"),
        ({"grades-1-value": ""}, "Every grade but the abstention needs a score"),
        ({"criteria-1-code": "de"}, "Two criteria have the same code"),
        ({"min_cell": "1"}, "Ensure this value is greater than or equal to 3"),
        ({"excellent_share": "1.5"}, "Ensure this value is less than or equal to 1"),
        ({"groups-1-kind": "township_panel"}, "Each voter group is listed once"),
    ],
)
def test_a_scheme_that_makes_no_sense_is_a_400_saying_why(client, county, changes, message):
    scheme = scheme_create(name="Spring", township=county.township)
    client.force_login(county.township_admin)
    answer = client.post(edit_url(scheme), posted(scheme, **changes))
    assert answer.status_code == 400
    assert message in answer.content.decode()
    scheme.refresh_from_db()
    assert str(scheme.groups.get(kind="township_panel").weight) == "0.300"


def test_a_forged_row_count_builds_no_thousand_forms(client, county):
    scheme = scheme_create(name="Spring", township=county.township)
    client.force_login(county.township_admin)
    answer = client.post(edit_url(scheme), posted(scheme, **{"criteria-TOTAL_FORMS": "100000"}))
    assert answer.status_code == 400


def test_a_frozen_scheme_is_refused_and_offers_a_copy(client, county):
    scheme = scheme_create(name="Spring", township=county.township)
    make_meeting(
        county.village,
        [CadreFactory(village=county.village)],
        scheme=scheme,
        status=Meeting.Status.VOTING_OPEN,
    )
    client.force_login(county.township_admin)
    page = client.get(edit_url(scheme)).content.decode()
    assert "it can no longer change. Copy it instead." in page
    assert reverse("ratings:scheme-copy", args=[scheme.pk]) in page
    answer = client.post(edit_url(scheme), posted(scheme, name="Changed"))
    assert answer.status_code == 409
    scheme.refresh_from_db()
    assert scheme.name == "Spring"
    copied = client.post(
        reverse("ratings:scheme-copy", args=[scheme.pk]),
        {"name": "Spring again", "township": county.township.pk},
    )
    copy = RatingScheme.objects.get(name="Spring again")
    assert copied["Location"] == edit_url(copy)
    assert copy.township == county.township and not copy.is_frozen
    assert copy.grades.count() == scheme.grades.count()
    assert AuditEntry.objects.filter(action="scheme_copy", scope=county.township.code).exists()


def test_another_townships_scheme_is_a_404(client, county):
    theirs = scheme_create(name="Theirs", township=county.elsewhere.township)
    client.force_login(county.township_admin)
    assert client.get(edit_url(theirs)).status_code == 404
    assert client.post(edit_url(theirs), posted(theirs, name="Mine")).status_code == 404
    assert client.post(reverse("ratings:scheme-copy", args=[theirs.pk]), {"name": "x"}).status_code == 404
    assert "Theirs" not in client.get(reverse("ratings:schemes")).content.decode()


def test_a_county_preset_is_read_and_copied_never_edited_by_a_township(client, county):
    preset = scheme_create(name="County preset")
    client.force_login(county.township_admin)
    page = client.get(edit_url(preset)).content.decode()
    assert "Only the county edits its preset schemes" in page
    assert client.post(edit_url(preset), posted(preset, name="Mine")).status_code == 403
    with pytest.raises(PermissionDenied):
        scheme_copy(scheme=preset, name="Preset two", township=None, by=county.township_admin)
    # A township cannot make a preset by starting one without a township either.
    answer = client.post(reverse("ratings:schemes"), {"name": "Sneaky", "scale": "satisfaction"})
    assert answer.status_code == 400
    assert not RatingScheme.objects.filter(name="Sneaky").exists()


def test_a_superuser_edits_a_county_preset(client, county):
    preset = scheme_create(name="County preset")
    client.force_login(county.superuser)
    answer = client.post(edit_url(preset), posted(preset, name="County preset 2026"))
    assert answer.status_code == 302
    preset.refresh_from_db()
    assert preset.name == "County preset 2026"
    assert AuditEntry.objects.filter(action="scheme_change", scope="").exists()


@pytest.mark.parametrize("role", ["moderator", "operator", "cadre", "nobody"])
def test_no_one_else_finds_the_editor(client, county, role):
    scheme = scheme_create(name="Spring", township=county.township)
    client.force_login(getattr(county, role))
    assert client.get(reverse("ratings:schemes")).status_code == 404
    assert client.get(edit_url(scheme)).status_code == 404


def test_the_meeting_form_offers_the_townships_schemes_and_presets_only(county):
    mine = scheme_create(name="Mine", township=county.township)
    preset = scheme_create(name="Preset")
    theirs = scheme_create(name="Theirs", township=county.elsewhere.township)
    offered = set(MeetingForm(village=county.village).fields["scheme"].queryset)
    assert mine in offered and preset in offered and theirs not in offered


def test_the_meeting_service_refuses_another_townships_scheme(county):
    theirs = scheme_create(name="Theirs", township=county.elsewhere.township)
    with pytest.raises(ValidationError, match="belongs to another township"):
        meeting_create(
            village=county.village,
            year=2026,
            held_at=make_meeting(county.neighbour).held_at,
            venue="Hall",
            kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
            scheme=theirs,
            cadres=[],
            by=county.township_admin,
        )


def test_a_quick_mode_copy_stays_in_the_township(county):
    mine = scheme_create(name="Mine", township=county.township)
    assert in_mode(mine, True).township == county.township


def test_the_scheme_list_is_not_n_plus_one(client, county, django_assert_max_num_queries):
    for index in range(6):
        scheme_create(name=f"Scheme {index}", township=county.township)
    client.force_login(county.township_admin)
    # session, user, the township check, the layout's two permission reads, the schemes with their
    # townships (one join), the start form's townships, one more of the layout: whatever the number of schemes
    with django_assert_max_num_queries(8):
        assert client.get(reverse("ratings:schemes")).status_code == 200
