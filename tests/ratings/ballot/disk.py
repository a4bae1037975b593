"""A vote in a database of its own, run as a separate process by test_disk_scrub.py, which then reads
the database's files.

    DATABASE_URL=sqlite:////tmp/v.sqlite3 python -m tests.ratings.ballot.disk migrate
    DATABASE_URL=... python -m tests.ratings.ballot.disk vote --ballots 40 --end close

Why a process of its own: the test database of a SQLite run lives in memory, with no file to read, and
the test's own transaction would hold back the commits after which the files are scrubbed. Here the
services run as the app runs them, each in its own transaction, on a real file (WAL mode) or a real
PostgreSQL database. The answer is one JSON document on stdout:

- meeting: the meeting's id;
- receipts, code_hashes: the ballots' receipts and the hashes of the codes that cast them, in the order
  of casting (the codes are cast in an order other than the one they were issued in);
- old_ids: the identifiers of every ballot, grade and nomination row before voting ended (hex).

`--end open` leaves voting open: what the files hold while the vote goes on. `close` closes the vote;
`annul` annuls the meeting while voting is open. `end --meeting ID --end close` closes a vote left open.
"""

import argparse
import json
import os
import random
import sys

import django


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def vote(args) -> dict:
    from django.conf import settings

    from ratings.ballot import codes
    from ratings.models import Ballot, BallotGrade, BallotNomination, PollBookEntry
    from tests.ratings.ballot.race import grant_operator, make_county
    from tests.worlds import build_world

    county = make_county()
    grant_operator(county, county.village)
    world = build_world(county, codes=0, residents=args.ballots, households=4)
    issued = list(world.resident_codes)
    cast = random.sample(issued, len(issued))
    grades = list(world.grades)
    receipts = [
        world.cast(
            code, grade=grades[index % len(grades)], households=world.households[index % 2 :][:1]
        ).receipt
        for index, code in enumerate(cast)
    ]
    # Two villagers voted with a helper: the flag is wiped at the seal, the count kept.
    helped = PollBookEntry.objects.filter(meeting=world.meeting).order_by("pk")[:2]
    PollBookEntry.objects.filter(pk__in=list(helped.values_list("pk", flat=True))).update(assisted=True)
    old_ids = [
        pk.hex
        for model in (Ballot, BallotGrade, BallotNomination)
        for pk in model.objects.values_list("pk", flat=True)
    ]
    end_vote(world.meeting, args.end)
    key = settings.BALLOT_CODE_KEY.encode()
    return {
        "meeting": world.meeting.pk,
        "receipts": receipts,
        "code_hashes": [codes.code_hash(key, world.meeting.pk, code) for code in cast],
        "old_ids": old_ids,
    }


def end_vote(meeting, end: str) -> None:
    from django.contrib.auth import get_user_model

    from meetings import services as meeting_services

    staff = get_user_model().objects
    if end == "close":
        meeting_services.voting_close(meeting=meeting, by=staff.get(username="operator"))
    elif end == "annul":
        meeting_services.meeting_annul(
            meeting=meeting, reason="The ballot box was left alone.", by=staff.get(username="admin")
        )


def end(args) -> dict:
    from meetings.models import Meeting

    end_vote(Meeting.objects.get(pk=args.meeting), args.end)
    return {}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["migrate", "vote", "end"])
    parser.add_argument("--meeting", type=int)
    parser.add_argument("--ballots", type=int, default=40)
    parser.add_argument("--end", choices=["open", "close", "annul"], default="close")
    args = parser.parse_args(argv)
    setup()
    run = {"migrate": lambda args: {}, "vote": vote, "end": end}[args.action]
    json.dump(run(args), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
