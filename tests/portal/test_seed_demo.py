"""The demo data of `make run`: a plausible township, accounts that work, and idempotent seeding."""

import datetime
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from portal import demo, idcard
from portal.models import (
    AuditEntry,
    Cadre,
    CadrePost,
    Household,
    Resident,
    Role,
    RoleAssignment,
    Township,
    Village,
)

Post = CadrePost.Post
ROLE_ACCOUNTS = [account for account in demo.ACCOUNTS if account.role is not None]


def seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def seeded(seeded_once, db):
    return seeded_once


def counts() -> dict[str, int]:
    models = [Township, Village, Household, Resident, Cadre, CadrePost, RoleAssignment, AuditEntry]
    snapshot = {model.__name__: model.objects.count() for model in models}
    snapshot["users"] = get_user_model().objects.count()
    snapshot["linked cadres"] = Cadre.objects.filter(user__isnull=False).count()
    return snapshot


def test_every_village_code_begins_with_the_township_code():
    assert all(village.code.startswith(demo.TOWNSHIP_CODE) for village in demo.VILLAGES)
    assert len({village.code for village in demo.VILLAGES}) == 3


@pytest.mark.parametrize("village", demo.VILLAGES, ids=lambda village: village.code)
def test_roll_is_reproducible_and_its_id_numbers_agree_with_it(village):
    roll = demo.village_roll(village)
    assert roll == demo.village_roll(village)
    assert 250 <= len(roll) <= 450
    for resident in roll:
        number = idcard.parse_id_number(resident.id_number)
        assert number.normalized.startswith("653121")
        assert number.birth_date.year == resident.birth_year
        # GB 11643: the 17th digit is odd for men, even for women.
        assert int(number.normalized[16]) % 2 == (resident.gender == Resident.Gender.MALE)
    assert len({resident.id_number for resident in roll}) == len(roll)
    sizes = Counter(resident.household for resident in roll)
    assert set(sizes.values()) <= {2, 3, 4, 5, 6}
    assert sorted(sizes) == [f"{n:03d}" for n in range(1, len(sizes) + 1)]
    assert sum(resident.party_member for resident in roll) == round(len(roll) * 0.10)
    assert sum(resident.representative for resident in roll) == round(len(roll) * 0.05)
    # Mostly Uyghur names with the middle dot, some Han names.
    dotted = sum("·" in resident.name for resident in roll)
    assert 0.8 * len(roll) < dotted < len(roll)


def test_no_person_is_on_two_villages_rolls():
    """One person, one roll (the database refuses the seed otherwise): the rolls share no ID number."""
    numbers = Counter(
        resident.id_number for village in demo.VILLAGES for resident in demo.village_roll(village)
    )
    assert [number for number, rolls in numbers.items() if rolls > 1] == []


def test_seed_builds_one_township_of_three_villages_with_rolls_and_cadres(seeded):
    township = Township.objects.get()
    assert (township.code, township.name) == ("653121100", "托克扎克镇")
    villages = list(Village.objects.all())
    assert [village.code for village in villages] == ["653121100201", "653121100202", "653121100203"]
    adult_from = datetime.date.today().year - 18
    for village in villages:
        assert village.township == township
        on_roll = Resident.objects.in_village(village).on_roll()
        assert 250 <= on_roll.count() <= 450
        assert not on_roll.filter(birth_year__gt=adult_from).exists()
        assert not on_roll.filter(birth_year__lt=1940).exists()
        assert (
            Household.objects.filter(village=village).count()
            == on_roll.values("household").distinct().count()
        )
        cadres = Cadre.objects.in_village(village)
        assert 6 <= cadres.count() <= 10
        assert not cadres.filter(posts__isnull=True).exists()
        # 一肩挑: the Party branch secretary is also the villagers' committee director.
        secretary = cadres.get(posts__post=Post.PARTY_SECRETARY)
        assert secretary.posts.filter(post=Post.COMMITTEE_DIRECTOR, term_end__isnull=True).exists()
        assert cadres.filter(posts__post=Post.FIRST_SECRETARY).count() == 1
    assert all(len(last4) == 4 for last4 in Resident.objects.values_list("id_last4", flat=True))


def test_second_run_changes_nothing(seeded):
    before = counts()
    output = seed_demo()
    assert counts() == before
    assert "nothing changed" in output


def test_command_prints_the_demo_logins(seeded):
    for account in demo.ACCOUNTS:
        assert account.username in seeded
    assert demo.DEMO_PASSWORD in seeded
    assert "http://127.0.0.1:8000/" in seeded


@pytest.mark.parametrize("account", ROLE_ACCOUNTS, ids=lambda account: account.username)
def test_each_demo_account_signs_in_and_its_dashboard_lists_its_role(client, seeded, account):
    response = client.post(reverse("login"), {"username": account.username, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:dashboard")
    page = client.get(reverse("staff:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert str(Role(account.role).label) in page
    scope = demo.VILLAGES[account.village].name if account.village is not None else demo.TOWNSHIP_NAME
    assert scope in page


def test_superuser_signs_in_to_the_admin(client, rf, seeded):
    # The login lockout (django-axes) counts per address, so authentication needs the request.
    assert client.login(
        request=rf.post("/accounts/login/"), username="demo-super", password=demo.DEMO_PASSWORD
    )
    assert client.get(reverse("admin:index")).status_code == 200


def test_cadre_account_belongs_to_the_first_village_secretary(seeded):
    cadre = Cadre.objects.get(user__username="cadre")
    assert cadre.village.code == demo.VILLAGES[0].code
    assert cadre.posts.filter(post=Post.PARTY_SECRETARY).exists()


def test_village_page_shows_the_cadres(client, seeded):
    village = demo.VILLAGES[1]
    page = client.get(reverse("village", args=[village.code])).content.decode()
    for cadre in village.cadres:
        assert cadre.name in page
