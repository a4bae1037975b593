"""The kiosk, measured: taps for one ballot and server time per step.

Runs on its own (`.venv/bin/python bench/kiosk.py`) against a fresh SQLite database in a temporary
folder: it loads the demo (its first village has 8 cadres and published reports), opens this year's
vote with the default scheme (5 criteria, 4 grades, 3 nominations), prints codes and arms a terminal,
then casts BALLOTS ballots through Django's test client in the real flow (welcome, code, the one-page
ballot, cast, receipt, reset), in full mode (every line tapped, then "same answer on every line"
adjusted) and then in quick mode. Server time is the time of each request in process: middleware,
view, database and template, no network and no browser.

Taps are what the villager's finger does with the page's JavaScript (which posts the same form): the
code on the keypad, one tap per grade (or one "same answer" tap per cadre and an adjustment on every
other cadre), the buttons that move between screens, and for each nomination a tap on the search box
and one on "Nominate"; the digits of the household number typed are counted apart, as keystrokes.
"""

import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

BALLOTS = 30
ROOT = Path(__file__).resolve().parent.parent


def setup(folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"  # plain static files, a fast password hasher
    os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 (closed at exit)


def open_vote():
    from django.contrib.auth import get_user_model

    from meetings import services as meeting_services
    from meetings.models import Meeting
    from portal import demo
    from ratings.ballot import services

    superuser = get_user_model().objects.get(username=demo.SUPERUSER)
    meeting = Meeting.objects.get(village__code=demo.VILLAGES[0].code, year=2026)
    # The demo's tour makes this a representatives' assembly (21 voters); the bench votes as the whole
    # assembly does.
    Meeting.objects.filter(pk=meeting.pk).update(kind=Meeting.Kind.VILLAGERS_ASSEMBLY)
    meeting.refresh_from_db()
    meeting = meeting_services.voting_open(meeting=meeting, by=superuser)
    ballot_codes = services.codes_issue_batch(meeting=meeting, count=2 * BALLOTS, by=superuser)
    _terminal, token = services.terminal_arm(meeting=meeting, label="Bench", by=superuser)
    return meeting, ballot_codes, token


class Terminal:
    """A browser at the venue: the test client with the terminal's cookie, timing every request."""

    def __init__(self, token: str):
        from django.test import Client

        from ratings.ballot.terminals import TERMINAL_COOKIE

        self.client = Client(HTTP_HOST="localhost")
        self.client.cookies[TERMINAL_COOKIE] = token
        self.times: dict[str, list[float]] = defaultdict(list)

    def request(self, step: str, method: str, path: str, data=None, expect=(200, 302)):
        began = time.perf_counter()
        response = getattr(self.client, method)(path, data or {})
        self.times[step].append((time.perf_counter() - began) * 1000)
        if response.status_code not in expect:
            raise SystemExit(f"{step}: {response.status_code} {response.content[:500]!r}")
        return response


def vote(terminal: Terminal, meeting, code: str, voter: int, style: str = "full") -> dict[str, int]:
    """One ballot through the real flow; returns the interactions it took.

    `style`: "full" taps every line; "same" taps "same answer on every line" on each cadre's screen,
    then adjusts one line of every other cadre (a villager who mostly agrees with themselves). In
    quick mode (one line per cadre) both are one tap a cadre.
    """
    from django.urls import reverse

    from portal.models import Household

    scheme = meeting.scheme
    lines = (
        ["overall"] if scheme.quick_mode else [str(pk) for pk in scheme.criteria.values_list("pk", flat=True)]
    )
    grades = list(scheme.grades.values_list("pk", flat=True))
    cadres = list(meeting.reporting.values_list("cadre_id", flat=True))
    households = list(
        Household.objects.filter(village=meeting.village).order_by("number").values_list("pk", "number")
    )
    taps = defaultdict(int)

    terminal.request("welcome", "get", reverse("ratings:kiosk"))
    terminal.request("code page", "get", reverse("ratings:kiosk-code"), {"language": "zh-hans"})
    taps["start"] += 1
    terminal.request(
        "code check",
        "post",
        reverse("ratings:kiosk-code"),
        {"code": code, "language": "zh-hans", "text_size": "normal"},
        expect=(302,),
    )
    taps["code symbols"] += len(code)
    taps["navigation"] += 1
    terminal.request("ballot page", "get", reverse("ratings:kiosk-ballot"))
    choice = {}
    for position, cadre in enumerate(cadres):
        for index, line in enumerate(lines):
            if style == "same" and len(lines) > 1:
                grade = grades[(voter + position) % len(grades)]
                if position % 2 and index == 0:
                    grade = grades[(voter + position + 1) % len(grades)]
            else:
                grade = grades[(voter + position + index) % len(grades)]
            choice[f"grade-{cadre}-{line}"] = grade
        if style == "same" and len(lines) > 1:
            taps["grades"] += 1 + position % 2
        else:
            taps["grades"] += len(lines)
        taps["navigation"] += 1  # "Next cadre", then "Next: households" on the last
    nominated = []
    for offset in range(scheme.max_nominations):
        pk, number = households[(voter * 7 + offset * 13) % len(households)]
        if pk not in nominated:
            nominated.append(pk)
            taps["nominations"] += 2  # the search box, "Nominate"
            taps["keystrokes (household number)"] += len(number)
    taps["navigation"] += 1  # on to the review
    terminal.request(
        "cast", "post", reverse("ratings:kiosk-cast"), {**choice, "household": nominated}, expect=(302,)
    )
    taps["cast"] += 1
    terminal.request("receipt", "get", reverse("ratings:kiosk-receipt"))
    terminal.request("reset", "post", reverse("ratings:kiosk-reset"))  # the receipt's own timer
    return dict(taps)


# From the code to the receipt: what issue 11 counts (the welcome and code pages come before, the reset
# after, each once per villager too).
BALLOT_STEPS = ("code check", "ballot page", "cast", "receipt")


def run(meeting, ballot_codes: list[str], token: str, style: str = "full") -> tuple[dict, dict]:
    terminal = Terminal(token)
    taps = {}
    for voter, code in enumerate(ballot_codes):
        taps = vote(terminal, meeting, code, voter, style)
    return taps, terminal.times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(mode: str, meeting, taps: dict, times: dict, ballots: int) -> None:
    scheme = meeting.scheme
    lines = 1 if scheme.quick_mode else scheme.criteria.count()
    print(
        f"\n== {mode}: {meeting.reporting.count()} cadres × {lines} line(s), "
        f"{scheme.grades.count()} grades, {scheme.max_nominations} nominations =="
    )
    keystrokes = taps.pop("keystrokes (household number)", 0)
    total = sum(taps.values())
    print(f"taps for one ballot: {total}  ({', '.join(f'{kind} {count}' for kind, count in taps.items())})")
    print(f"plus {keystrokes} keystrokes typing household numbers on the on-screen keyboard")
    requests = sum(len(values) for step, values in times.items() if step in BALLOT_STEPS) / ballots
    print(f"requests from the code to the receipt: {requests:.0f}")
    print(f"server time per step over {ballots} ballots (ms):")
    print(f"  {'step':<20}{'requests':>9}{'median':>9}{'p95':>9}")
    per_ballot = 0.0
    for step, values in times.items():
        per_ballot += sum(values) / ballots
        print(
            f"  {step:<20}{len(values):>9}{statistics.median(values):>9.1f}{percentile(values, 0.95):>9.1f}"
        )
    print(f"  {'whole ballot (mean)':<20}{'':>9}{per_ballot:>9.1f}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as folder:
        began = time.perf_counter()
        setup(Path(folder))
        meeting, ballot_codes, token = open_vote()
        print(f"kiosk benchmark: demo loaded and vote opened in {time.perf_counter() - began:.1f} s (SQLite)")

        from django.core.cache import cache

        from ratings.models import Ballot, RatingScheme

        half = BALLOTS // 2
        taps, times = run(meeting, ballot_codes[:half], token, "full")
        report("full ballot, every line tapped", meeting, taps, times, half)
        taps, times = run(meeting, ballot_codes[half:BALLOTS], token, "same")
        report("full ballot, “same answer on every line” then adjusted", meeting, taps, times, BALLOTS - half)

        # The same meeting in quick mode: one overall grade per cadre. Changed straight in the bench's
        # throwaway database; the services refuse it once voting is open.
        RatingScheme.objects.filter(pk=meeting.scheme_id).update(quick_mode=True)
        cache.clear()  # the meeting's ballot, kept while voting is open, changed under it here
        meeting.refresh_from_db()
        meeting.scheme.refresh_from_db()
        taps, times = run(meeting, ballot_codes[BALLOTS:], token, "full")
        report("quick mode", meeting, taps, times, BALLOTS)

        cast = Ballot.objects.filter(meeting=meeting).count()
        assert cast == 2 * BALLOTS, cast
        print(f"\n{cast} ballots cast in {time.perf_counter() - began:.1f} s in all")


if __name__ == "__main__":
    main()
