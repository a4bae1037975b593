"""An assembly, simulated: how many minutes until everyone has voted, by terminal, phone or paper.

Runs on its own (`.venv/bin/python bench/venue.py`). It first measures what it needs on the real
kiosk, as bench/kiosk.py does (a throwaway SQLite database with the demo, a few ballots through Django's
test client: every line tapped, "same answer on every line" then adjusted, and quick mode): the taps of
one ballot and the server time of one ballot.
Then it plays an assembly of 400 and of 2,000 villagers arriving at once, as a discrete-event
simulation with a fixed seed:

    sign-in desk (queue) → the villager's door: a terminal (queue), their own phone (no queue), or a
                          paper sheet (everyone marks at once) → the box

and prints the minutes until the last ballot is in, and for paper the count that follows (electronic
ballots are counted when voting closes).

The human times are the model's assumptions, each stated below with its source where there is one;
change them and the printout says what they were. Every time is drawn from a lognormal spread around
its mean (σ = 0.35), so that slow voters hold a terminal longer as they do at a real venue.
"""

import heapq
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import kiosk  # noqa: E402 (the kiosk benchmark next to this file: its setup, vote and tap count)

SEED = 20261129
MEASURED_BALLOTS = 5
SPREAD = 0.35


@dataclass(frozen=True)
class People:
    """How long an elderly villager takes, in seconds."""

    # Sultana & Moffatt, "Effects of Aging on Small Target Selection with Touch Input", ACM TACCESS
    # 2019 (doi:10.1145/3300178): adults aged 67-81 took 947 ms per touch target (young adults 713).
    # The kiosk's targets are larger than theirs, so this errs on the slow side.
    tap: float = 0.95
    # Assumed: reading a criterion and choosing among four faces or words.
    decide_line: float = 3.0
    # Assumed: reading a cadre's screen (name, post, photo) before the first grade.
    read_screen: float = 4.0
    # Assumed: finding one's name on the roll at the desk and taking the code slip.
    sign_in: float = 20.0
    # Assumed: walking up to a free terminal and starting; leaving it after the receipt.
    changeover: float = 15.0
    # Assumed: a pen mark on paper, per line (finding the box, ticking it).
    pen_mark: float = 1.5
    # Assumed: the count of paper ballots, per line read out, recorded and watched by the scrutineers.
    count_line: float = 1.2


@dataclass(frozen=True)
class Venue:
    voters: int
    desks: int = 4
    terminals: int = 4
    phone_share: float = 0.0  # of villagers who vote on their own phone
    paper: bool = False
    count_teams: int = 2  # paper: teams counting at once (reader, recorder, scrutineer)
    workers: int = 2  # the laptop's server processes


@dataclass(frozen=True)
class Ballot:
    """What one ballot takes on a screen, as measured on the kiosk."""

    taps: int
    screens: int
    lines: int
    server_seconds: float


def lognormal(rng: random.Random, mean: float) -> float:
    """A time with this mean and a right tail, as people's times have."""
    mu = -(SPREAD**2) / 2
    return mean * rng.lognormvariate(mu, SPREAD)


def screen_time(rng: random.Random, ballot: Ballot, people: People) -> float:
    return (
        lognormal(rng, ballot.taps * people.tap)
        + lognormal(rng, ballot.lines * people.decide_line)
        + lognormal(rng, ballot.screens * people.read_screen)
    )


def simulate(venue: Venue, ballot: Ballot, people: People, seed: int = SEED) -> dict:
    """Minutes until the last ballot is in (and, for paper, until the count is done)."""
    rng = random.Random(seed)  # noqa: S311 (a simulation, repeatable by its seed; no secret here)
    # The desks: everyone is there at minute 0 and queues.
    desks = [0.0] * venue.desks
    signed = []
    for _voter in range(venue.voters):
        free = heapq.heappop(desks)
        done = free + lognormal(rng, people.sign_in)
        heapq.heappush(desks, done)
        signed.append(done)
    if venue.paper:
        # Each marks a sheet as soon as signed in; the box takes it at once.
        marking = ballot.lines * (people.decide_line + people.pen_mark) + ballot.screens * people.read_screen
        last_in = max(at + lognormal(rng, marking) for at in signed)
        count = venue.voters * ballot.lines * people.count_line / venue.count_teams
        return {"voted": last_in / 60, "counted": (last_in + count) / 60}
    terminals = [0.0] * venue.terminals
    server = [0.0] * venue.workers  # the server's processes, each busy for a ballot's server time
    last_in = 0.0
    for at in signed:
        on_phone = rng.random() < venue.phone_share
        start = at if on_phone else max(heapq.heappop(terminals), at)
        finish = start + screen_time(rng, ballot, people)
        worker = heapq.heappop(server)
        cast = max(finish, worker) + ballot.server_seconds
        heapq.heappush(server, cast)
        if not on_phone:
            heapq.heappush(terminals, cast + people.changeover)
        last_in = max(last_in, cast)
    return {"voted": last_in / 60, "counted": last_in / 60}


def measure() -> dict[str, Ballot]:
    """Taps and server time of one ballot on the real kiosk: every line tapped ("full"), "same answer
    on every line" then adjusted ("same"), and quick mode ("quick")."""
    with tempfile.TemporaryDirectory(prefix="venue-bench-") as folder:
        kiosk.setup(Path(folder))
        meeting, ballot_codes, token = kiosk.open_vote()
        from django.core.cache import cache

        from ratings.models import RatingScheme

        ballots = {}
        batches = {
            "full": ballot_codes[:MEASURED_BALLOTS],
            "same": ballot_codes[MEASURED_BALLOTS : 2 * MEASURED_BALLOTS],
            "quick": ballot_codes[kiosk.BALLOTS : kiosk.BALLOTS + MEASURED_BALLOTS],
        }
        for mode, codes in batches.items():
            if mode == "quick":
                RatingScheme.objects.filter(pk=meeting.scheme_id).update(quick_mode=True)
                cache.clear()  # the meeting's ballot, kept while voting is open, changed under it here
                meeting.refresh_from_db()
                meeting.scheme.refresh_from_db()
            taps, times = kiosk.run(meeting, codes, token, "same" if mode == "same" else "full")
            taps.pop("keystrokes (household number)", 0)
            cadres = meeting.reporting.count()
            lines = cadres * (1 if meeting.scheme.quick_mode else meeting.scheme.criteria.count())
            # "same": one decision a cadre, and one more for the line adjusted on every other cadre
            decided = cadres + cadres // 2 if mode == "same" else lines
            server = sum(sum(values) for values in times.values()) / MEASURED_BALLOTS / 1000
            ballots[mode] = Ballot(
                taps=sum(taps.values()), screens=cadres + 3, lines=decided, server_seconds=server
            )
        return ballots


def main() -> None:
    began = time.perf_counter()
    ballots = measure()
    people = People()
    print(f"venue simulation (seed {SEED}); kiosk measured in {time.perf_counter() - began:.0f} s:")
    for mode, ballot in ballots.items():
        print(
            f"  {mode:<5} ballot: {ballot.taps} taps, {ballot.lines} grades, {ballot.screens} screens, "
            f"{ballot.server_seconds * 1000:.0f} ms of server time"
        )
    print("  human times (s): " + ", ".join(f"{name} {value}" for name, value in vars(people).items()))
    rows = []
    for voters in (400, 2000):
        paper = simulate(Venue(voters=voters, paper=True), ballots["full"], people)
        rows.append((voters, "paper, everyone at once, 2 counting teams", paper))
        for terminals, phones in ((4, 0.0), (8, 0.0), (4, 0.5), (8, 0.7), (16, 0.7)):
            for mode in ("full", "same", "quick"):
                minutes = simulate(
                    Venue(voters=voters, terminals=terminals, phone_share=phones), ballots[mode], people
                )
                label = f"{terminals} terminals, {phones:.0%} on phones, {mode}"
                rows.append((voters, label, minutes))
        more_desks = simulate(
            Venue(voters=voters, desks=8, terminals=16, phone_share=0.7), ballots["quick"], people
        )
        rows.append((voters, "8 desks, 16 terminals, 70% on phones, quick", more_desks))
    print(f"\n{'voters':>6}  {'door':<46}{'voted (min)':>12}{'counted (min)':>14}")
    for voters, label, minutes in rows:
        print(f"{voters:>6}  {label:<46}{minutes['voted']:>12.0f}{minutes['counted']:>14.0f}")
    spread = [
        simulate(Venue(voters=400, terminals=4, phone_share=0.5), ballots["full"], people, seed)["voted"]
        for seed in range(SEED, SEED + 10)
    ]
    print(
        f"\n400 voters, 4 terminals, 50% on phones, full: {statistics.mean(spread):.0f} min on average "
        f"over 10 seeds (from {min(spread):.0f} to {max(spread):.0f})"
    )


if __name__ == "__main__":
    main()
