"""Hostile query parameters and URL path integers never give a 5xx (issue 18).

A page size or page number that is not usable falls back to the list's default; a query integer out of
the database's range is a translated 400 (portal.params.int_param); a path integer out of range is a 404
from the router (the `<id:…>` converter).
"""

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import DisallowedHost
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import translation

from portal import audit
from portal.models import AuditEntry, Role, RoleAssignment
from portal.params import DB_INT_MAX, IdConverter, ParameterError, int_param, parse_int
from portal.services.roles import role_grant, role_revoke
from portal.tables import MAX_PER_PAGE
from portal.views.errors import bad_request
from tests.factories import CadreFactory, CadrePostFactory
from tests.worlds import published_world

pytestmark = pytest.mark.usefixtures("english", "english_pages")

TOO_BIG = str(2**63)  # one past the largest row identifier
HOSTILE_SIZES = ["0", "-5", "abc", TOO_BIG, "9" * 400, "٣"]


def paged_lists(county):
    """Every paged list of the portal and the meetings app, with the account that may read it."""
    code, township = county.village.code, county.township.code
    return [
        (reverse("staff:audit"), county.township_admin),
        (reverse("staff:roll", args=[code]), county.moderator),
        (reverse("meetings:staff-meetings"), county.operator),
        (reverse("meetings:village-meetings", args=[code]), None),
        (reverse("meetings:township-meetings", args=[township]), None),
        (reverse("meetings:commitments", args=[code]), None),
        (reverse("meetings:moderation-reports"), county.moderator),
        (reverse("meetings:my-reports"), county.cadre),
    ]


@pytest.fixture
def audit_rows(county):
    """Sixty entries in the township: more than one default page of the audit log (50)."""
    for number in range(60):
        audit.record(
            actor=county.township_admin, action="probe", target=county.village, details={"n": number}
        )


def audit_rows_shown(response) -> int:
    return len(re.findall(r'class="audit-detail">n: \d+<', response.content.decode()))


@pytest.mark.parametrize("name", ["per_page", "page", "submitted-per_page", "submitted-page"])
@pytest.mark.parametrize("value", HOSTILE_SIZES)
def test_a_hostile_page_parameter_never_breaks_a_list(client, county, audit_rows, name, value):
    for url, account in paged_lists(county):
        if account is not None:
            client.force_login(account)
        response = client.get(url, {name: value})
        assert response.status_code < 500, (url, name, value)


@pytest.mark.parametrize("value", ["0", "-5", TOO_BIG, str(MAX_PER_PAGE + 1), "abc"])
def test_an_unusable_page_size_falls_back_to_the_default(client, county, audit_rows, value):
    client.force_login(county.township_admin)
    response = client.get(reverse("staff:audit"), {"per_page": value, "action": "probe"})
    assert response.status_code == 200
    assert audit_rows_shown(response) == 50


def test_a_page_size_within_range_is_honoured(client, county, audit_rows):
    client.force_login(county.township_admin)
    response = client.get(reverse("staff:audit"), {"per_page": "10", "action": "probe"})
    assert audit_rows_shown(response) == 10


def test_a_page_past_the_end_shows_the_last_page(client, county, audit_rows):
    client.force_login(county.township_admin)
    response = client.get(reverse("staff:audit"), {"page": "99", "action": "probe"})
    assert response.status_code == 200
    assert audit_rows_shown(response) == 10  # 60 entries: the second page of 50 holds 10


@pytest.mark.parametrize("page", [TOO_BIG, "0", "-1", "abc"])
def test_a_page_number_that_is_not_one_shows_the_first_page(client, county, audit_rows, page):
    client.force_login(county.township_admin)
    response = client.get(reverse("staff:audit"), {"page": page, "action": "probe"})
    assert response.status_code == 200
    assert audit_rows_shown(response) == 50


def test_every_paged_list_goes_through_the_bounded_config():
    """A list paged with django-tables2's own RequestConfig would pass ?per_page=0 to the paginator."""
    root = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(root))
        for app in ("portal", "meetings", "ratings")
        for path in (root / app).rglob("*.py")
        if re.search(r"RequestConfig\(request, paginate=\{", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        (str(DB_INT_MAX), DB_INT_MAX),
        (TOO_BIG, None),
        ("0", None),
        ("-1", None),
        ("٣", None),
        ("1_0", None),
        (" 7", None),
        ("7 ", None),
        ("9" * 5000, None),
        (None, None),
    ],
)
def test_parse_int_reads_only_ascii_digits_within_the_database_range(raw, expected):
    assert parse_int(raw) == expected


def test_int_param_is_a_translated_400_naming_the_range(rf):
    request = rf.get("/", {"id": TOO_BIG})
    with pytest.raises(ParameterError) as refused:
        int_param(request, "id")
    assert str(DB_INT_MAX) in str(refused.value)
    assert int_param(rf.get("/"), "id", default=3) == 3
    assert int_param(rf.get("/", {"id": "42"}), "id") == 42
    with translation.override("zh-hans"), pytest.raises(ParameterError) as refused:
        int_param(rf.get("/", {"year": "abc"}), "year", low=2000, high=2100)
    assert "整数" in str(refused.value)


def test_the_400_page_shows_a_parameter_error_in_the_readers_language(rf):
    request = rf.get("/")
    response = bad_request(request, ParameterError("“id” must be a whole number from 1 to 9."))
    assert response.status_code == 400
    assert "“id” must be a whole number from 1 to 9." in response.content.decode()
    # Django's own refusals carry internal English: not shown.
    response = bad_request(request, DisallowedHost("Invalid HTTP_HOST header: 'evil'"))
    assert "evil" not in response.content.decode()
    assert "The page cannot answer this request." in response.content.decode()


def test_a_forged_host_header_is_the_400_page(client, db):
    response = client.get(reverse("home"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "The page cannot answer this request." in response.content.decode()


def test_the_id_converter_refuses_what_the_database_cannot_hold():
    converter = IdConverter()
    assert converter.to_python(str(DB_INT_MAX)) == DB_INT_MAX
    for value in (TOO_BIG, "0"):
        with pytest.raises(ValueError):
            converter.to_python(value)


@pytest.mark.parametrize("value", [TOO_BIG, str(2**64), "0"])
def test_an_out_of_range_path_id_is_a_404_from_the_router(client, county, value):
    client.force_login(county.township_admin)
    for path in (
        f"/staff/lockouts/{value}/unlock/",
        f"/staff/v/{county.village.code}/roles/{value}/revoke/",
    ):
        assert client.post(path).status_code == 404
    assert not AuditEntry.objects.filter(action__in=["login_unlock", "role_revoke"]).exists()


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def test_no_route_breaks_on_a_path_integer_the_database_cannot_hold(client, county):
    """Every route reads its ids with <id:…>, which the router answers 404 beyond the database's range."""
    client.force_login(county.superuser)
    broken = set()
    for route in _routes(get_resolver().url_patterns):
        if "<int:" not in route and "<id:" not in route:
            continue
        path = re.sub(r"<(int|id):\w+>", TOO_BIG, route.replace("<str:code>", county.village.code))
        for method in (client.get, client.post):
            try:
                status = method("/" + path).status_code
            except OverflowError:
                status = 500
            if status >= 500:
                broken.add(route)
    assert broken == set()


# --- cases the fuzzer (tests/portal/test_fuzz.py) found, each a named regression test --------------------


@pytest.mark.parametrize("value", [TOO_BIG, str(-(2**63) - 1)])
def test_a_row_id_past_64_bits_on_the_results_pages_is_never_a_500(client, county, value):
    """The issue's `?id=9223372036854775808` on the results, its files, the notice and the honor roll;
    and the same number as the page's own id."""
    world, _snapshot = published_world(county, ["satisfied"] * 5)
    for name in (
        "results",
        "counts-csv",
        "receipts-txt",
        "codebook-csv",
        "results-json",
        "results-notice",
        "honor-roll",
    ):
        real = reverse(f"ratings:{name}", args=[world.meeting.pk])
        assert client.get(real, {"id": value}).status_code == 200, name
        assert client.get(real.replace(str(world.meeting.pk), value, 1)).status_code == 404, name


@pytest.mark.parametrize("value", [TOO_BIG, str(-(2**63) - 1), "9" * 5000])
def test_a_cadre_past_64_bits_on_the_meeting_form_is_a_refused_choice(client, county, value):
    """SQLite cannot bind such a number: the multiple choice of cadres gave a 500 (OverflowError)."""
    CadrePostFactory(cadre=CadreFactory(village=county.village), term_start=2021)  # a cadre to choose
    client.force_login(county.township_admin)
    response = client.post(
        reverse("meetings:staff-meeting-create", args=[county.village.code]),
        {"year": "2024", "venue": "Hall", "kind": "villagers", "cadres": [value]},
    )
    assert response.status_code == 400
    assert "is not a valid value" in response.content.decode()


def test_a_role_assignment_for_an_account_that_is_no_id_is_a_form_error(client, county):
    """The admin's autocomplete widget looked '0x1f' up again to show the refused form (a 500)."""
    client.force_login(county.superuser)
    for user in ("0x1f", TOO_BIG):
        response = client.post(
            reverse("admin:portal_roleassignment_add"),
            {"user": user, "role": "cadre", "village": county.village.pk},
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()


def test_a_forged_form_count_in_the_scheme_admin_answers_at_once(client, county):
    """A TOTAL_FORMS of a billion built a thousand forms, each asking for permissions: seconds of work."""
    client.force_login(county.township_admin)
    data = {"name": "Forged", "max_nominations": "3", "excellent_share": "0.9", "incompetent_share": "0.5"}
    data |= {"min_cell": "5"}
    for prefix in ("criteria", "grades", "groups"):
        data |= {f"{prefix}-TOTAL_FORMS": "1000000000", f"{prefix}-INITIAL_FORMS": "0"}
    started = time.monotonic()
    response = client.post(reverse("admin:ratings_ratingscheme_add"), data)
    assert time.monotonic() - started < 3
    assert response.status_code == 200
    assert "Please submit at most 50 forms." in response.content.decode()


def test_a_role_is_revoked_even_after_its_group_was_deleted_in_the_admin(county):
    """The role services read the role's group; a superuser deleting it in the admin made revoking a 500."""
    Group.objects.filter(name=Role.CADRE).delete()
    assignment = RoleAssignment.objects.get(user=county.cadre, role=Role.CADRE)
    role_revoke(assignment=assignment, by=county.superuser)
    assert not county.cadre.groups.exists()
    granted = role_grant(user=county.cadre, role=Role.CADRE, village=county.village, by=county.superuser)
    assert set(county.cadre.groups.values_list("name", flat=True)) == {Role.CADRE}
    assert Group.objects.get(name=Role.CADRE).permissions.exists()
    assert granted.role == Role.CADRE


def test_a_nul_in_the_address_is_a_400_naming_it(client, county):
    """PostgreSQL refuses NUL in any text: a village code or a search holding one was a 500 there."""
    client.force_login(county.township_admin)
    for url, query in (
        ("/v/%00/", {}),
        (f"/staff/v/{county.village.code}%00/roles/", {}),
        (reverse("staff:audit"), {"action": "\x00"}),
        (reverse("staff:audit"), {"\x00": "x"}),
    ):
        response = client.get(url, query)
        assert response.status_code == 400, url
        assert "not allowed (NUL)" in response.content.decode()
    # The filter offers the actions recorded in the township (the county's role grants among them).
    assert client.get(reverse("staff:audit"), {"action": "role_grant"}).status_code == 200


@pytest.mark.django_db
def test_a_post_of_unreadable_multipart_to_an_unknown_address_is_a_400_not_a_500(client):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/")  # the CSRF cookie, whose check reads the body
    response = client.post(
        "/staff/meetings/2/paper/pages/5/", "no boundary", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert client.get("/no/such/page/").status_code == 404
