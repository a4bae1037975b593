"""The ballot's two doors through Django's test client, as the view tests walk them: a shared terminal
(the kiosk, /kiosk/) and a villager's own phone (/vote/<meeting>/).

The whole ballot is posted once, at the cast. Its fields are built from the world, named as the page's
form names them (ratings.ballot.page), rather than read from the page: what the page shows is tested
on its own, and its body comes from a cache.
"""

from django.urls import reverse

from meetings.models import Meeting
from ratings.ballot.passes import COOKIES
from ratings.ballot.spec import line_key
from ratings.ballot.terminals import TERMINAL_COOKIE
from ratings.models import Ballot, BallotCode, BallotGrade, BallotNomination

TERMINAL_PASS = COOKIES["terminal"]
PHONE_PASS = COOKIES["phone"]
RECEIPT_COOKIE = "portal_ballot_receipt"


def url(name: str, *args) -> str:
    return reverse(f"ratings:{name}", args=args)


def phone_url(name: str, world) -> str:
    """A page of the phone door of the world's meeting: "phone", "phone-ballot", "phone-cast", ..."""
    return reverse(f"ratings:{name}", args=[world.meeting.pk])


def arm(client, world, token: str | None = None):
    """Make the test client's browser the world's first terminal (or the one of `token`)."""
    client.cookies[TERMINAL_COOKIE] = token or world.token
    return client


def allow_phones(world, allowed: bool = True) -> None:
    Meeting.objects.filter(pk=world.meeting.pk).update(phones_allowed=allowed)
    world.meeting.refresh_from_db()


def no_store(response) -> bool:
    """Back, reload or a new tab must ask the server again: nothing of the page is kept."""
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "no-cache", "must-revalidate", "max-age=0"} <= directives and (
        response.get("Pragma") == "no-cache"
    )


def dropped(response, cookie: str) -> bool:
    """The response takes the cookie back from the browser."""
    morsel = response.cookies.get(cookie)
    return morsel is not None and morsel.value == "" and str(morsel["max-age"]) == "0"


def grade_field(cadre, criterion) -> str:
    """The name of a line of the ballot: grade-<cadre id>-<criterion id, or "overall">."""
    return f"grade-{cadre.pk}-{line_key(criterion.pk if criterion is not None else None)}"


def lines_of(world) -> list:
    return [None] if world.scheme.quick_mode else list(world.criteria)


def ballot_post(world, grade="satisfied", *, households=(), numbers=()) -> dict:
    """A whole ballot as the page posts it. `grade`: one grade code for every line, or a function
    (cadre index, line key) → grade code; `households` picked in the search, `numbers` typed."""
    data: dict = {}
    for index, cadre in enumerate(world.cadres):
        for criterion in lines_of(world):
            code = (
                grade
                if isinstance(grade, str)
                else grade(index, line_key(criterion.pk if criterion is not None else None))
            )
            data[grade_field(cadre, criterion)] = world.grades[code].pk
    if households:
        data["household"] = [household.pk for household in households]
    if numbers:
        data["household_number"] = list(numbers)
    return data


def stored_grades() -> dict:
    """Every stored grade: (cadre id, criterion id or None) → grade id (one ballot in the box)."""
    return {(row.cadre_id, row.criterion_id): row.grade_id for row in BallotGrade.objects.all()}


def posted_grades(world, data: dict) -> dict:
    """What a ballot_post asked for, in the shape of stored_grades."""
    return {
        (cadre.pk, None if criterion is None else criterion.pk): data[grade_field(cadre, criterion)]
        for cadre in world.cadres
        for criterion in lines_of(world)
    }


def box(meeting) -> dict:
    """Everything a cast may write, counted: ballots, grades, nominations, and the codes by status."""
    return {
        "ballots": Ballot.objects.count(),
        "grades": BallotGrade.objects.count(),
        "nominations": BallotNomination.objects.count(),
        "codes": sorted(BallotCode.objects.filter(meeting=meeting).values_list("status", flat=True)),
    }


# --- the terminal ----------------------------------------------------------------------------------


def begin(client, code: str, *, language: str = "en", text_size: str = "normal"):
    """The code typed on the terminal: checked, the ballot pass given, on to the ballot."""
    response = client.post(url("kiosk-code"), {"code": code, "language": language, "text_size": text_size})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == url("kiosk-ballot")
    return response


def cast(client, world, data: dict):
    """Send the ballot; on success the browser goes to the receipt."""
    return client.post(url("kiosk-cast"), data)


def vote(client, world, code: str, grade="satisfied", *, language: str = "en", **choices):
    """One villager's whole path on the terminal; returns the receipt page."""
    begin(client, code, language=language)
    assert client.get(url("kiosk-ballot")).status_code == 200
    response = cast(client, world, ballot_post(world, grade, **choices))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == url("kiosk-receipt")
    receipt = client.get(url("kiosk-receipt"))
    assert receipt.status_code == 200
    return receipt


# --- the phone -------------------------------------------------------------------------------------


def phone_begin(client, world, code: str, *, language: str = "en", text_size: str = "normal"):
    response = client.post(
        phone_url("phone", world), {"code": code, "language": language, "text_size": text_size}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == phone_url("phone-ballot", world)
    return response


def phone_vote(client, world, code: str, grade="satisfied", *, language: str = "en", **choices):
    """One villager's whole path on their phone; returns the receipt page."""
    phone_begin(client, world, code, language=language)
    assert client.get(phone_url("phone-ballot", world)).status_code == 200
    response = client.post(phone_url("phone-cast", world), ballot_post(world, grade, **choices))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == phone_url("phone-receipt", world)
    receipt = client.get(phone_url("phone-receipt", world))
    assert receipt.status_code == 200
    return receipt
