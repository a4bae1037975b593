from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ratings.ballot import scrub


class Command(BaseCommand):
    help = (
        "Clear the expired sessions and wipe from the database files what shaken ballot boxes left "
        "behind (SQLite: checkpoint and VACUUM; PostgreSQL: VACUUM FULL of the ballot tables, one "
        "ACCESS EXCLUSIVE lock at a time). Closing or annulling a vote does it already; run this when "
        "the log says it could not, at a quiet hour. Exit 1 if anything is left undone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--lock-timeout",
            type=float,
            default=None,
            metavar="SECONDS",
            help="PostgreSQL: give up on a table whose lock is not had within this time (default: wait).",
        )

    def handle(self, *args, lock_timeout, **options):
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        scrubbed = scrub.files_scrub(lock_timeout=lock_timeout)
        if not scrubbed.done:
            raise CommandError("Not scrubbed: " + "; ".join(scrubbed.problems))
        self.stdout.write(f"Scrubbed the ballot files ({scrubbed.engine}) in {scrubbed.seconds:.2f} s.")
