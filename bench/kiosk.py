"""The kiosk, measured: taps for one ballot and server time per step.

Runs on its own (`.venv/bin/python bench/kiosk.py`) against a fresh SQLite database in a temporary
folder: it loads the demo (its first village has 8 cadres and published reports), opens this year's
vote with the default scheme (5 criteria, 4 grades, 3 nominations), prints codes and arms a terminal,
then casts BALLOTS ballots through Django's test client, the way a villager without JavaScript
would, in full mode and then in quick mode. Server time is the time of each request in process:
middleware, view, database and template, no network and no browser.

Taps are what the villager's finger does with the page's JavaScript: the code on the keypad, one tap
per grade, the buttons that move on, and for each nomination a tap on the search box, the search
button and "Nominate"; the digits of the household number typed are counted apart, as keystrokes.
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


def vote(terminal: Terminal, meeting, code: str, voter: int) -> dict[str, int]:
    """One ballot, step by step; returns the interactions it took."""
    from django.urls import reverse

    from portal.models import Household

    scheme = meeting.scheme
    lines = (
        ["overall"] if scheme.quick_mode else [str(pk) for pk in scheme.criteria.values_list("pk", flat=True)]
    )
    grades = list(scheme.grades.values_list("pk", flat=True))
    positions = meeting.reporting.count()
    households = list(
        Household.objects.filter(village=meeting.village).order_by("number").values_list("pk", "number")
    )
    taps = defaultdict(int)

    terminal.request("welcome", "get", reverse("ratings:kiosk"))
    terminal.request(
        "start", "post", reverse("ratings:kiosk"), {"language": "zh-hans", "text_size": "normal"}
    )
    taps["start"] += 1
    terminal.request("code page", "get", reverse("ratings:kiosk-code"))
    terminal.request("code check", "post", reverse("ratings:kiosk-code"), {"code": code})
    taps["code symbols"] += len(code)
    taps["navigation"] += 1
    for position in range(1, positions + 1):
        path = reverse("ratings:kiosk-cadre", args=[position])
        terminal.request("cadre page", "get", path)
        choice = {
            f"grade-{line}": grades[(voter + position + index) % len(grades)]
            for index, line in enumerate(lines)
        }
        terminal.request("cadre grades", "post", path, choice)
        taps["grades"] += len(choice)
        taps["navigation"] += 1
    nominate = reverse("ratings:kiosk-nominate")
    terminal.request("nominate page", "get", nominate)
    for offset in range(scheme.max_nominations):
        pk, number = households[(voter * 7 + offset * 13) % len(households)]
        terminal.request("household search", "get", nominate, {"q": number})
        terminal.request("household add", "post", nominate, {"household": pk})
        terminal.request("nominate page", "get", nominate)
        taps["nominations"] += 3  # the search box, "Search", "Nominate"
        taps["keystrokes (household number)"] += len(number)
    taps["navigation"] += 1  # on to the review
    terminal.request("review", "get", reverse("ratings:kiosk-review"))
    terminal.request("cast", "post", reverse("ratings:kiosk-cast"))
    taps["cast"] += 1
    terminal.request("receipt", "get", reverse("ratings:kiosk-receipt"))
    terminal.request("reset", "post", reverse("ratings:kiosk-reset"))  # the receipt's own timer
    return dict(taps)


def run(meeting, ballot_codes: list[str], token: str) -> tuple[dict, dict]:
    terminal = Terminal(token)
    taps = {}
    for voter, code in enumerate(ballot_codes):
        taps = vote(terminal, meeting, code, voter)
    return taps, terminal.times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(mode: str, meeting, taps: dict, times: dict) -> None:
    scheme = meeting.scheme
    lines = 1 if scheme.quick_mode else scheme.criteria.count()
    print(
        f"\n== {mode} mode: {meeting.reporting.count()} cadres × {lines} line(s), "
        f"{scheme.grades.count()} grades, {scheme.max_nominations} nominations =="
    )
    keystrokes = taps.pop("keystrokes (household number)", 0)
    total = sum(taps.values())
    print(f"taps for one ballot: {total}  ({', '.join(f'{kind} {count}' for kind, count in taps.items())})")
    print(f"plus {keystrokes} keystrokes typing household numbers on the on-screen keyboard")
    print(f"server time per step over {BALLOTS} ballots (ms):")
    print(f"  {'step':<20}{'requests':>9}{'median':>9}{'p95':>9}")
    per_ballot = 0.0
    for step, values in times.items():
        per_ballot += sum(values) / BALLOTS
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

        from ratings.models import Ballot, RatingScheme

        taps, times = run(meeting, ballot_codes[:BALLOTS], token)
        report("full", meeting, taps, times)

        # The same meeting in quick mode: one overall grade per cadre. Changed straight in the bench's
        # throwaway database; the services refuse it once voting is open.
        RatingScheme.objects.filter(pk=meeting.scheme_id).update(quick_mode=True)
        meeting.refresh_from_db()
        meeting.scheme.refresh_from_db()
        taps, times = run(meeting, ballot_codes[BALLOTS:], token)
        report("quick", meeting, taps, times)

        cast = Ballot.objects.filter(meeting=meeting).count()
        assert cast == 2 * BALLOTS, cast
        print(f"\n{cast} ballots cast in {time.perf_counter() - began:.1f} s in all")


if __name__ == "__main__":
    main()
