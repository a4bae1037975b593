from django.core.management.base import BaseCommand

from portal.audit import anchor_all


class Command(BaseCommand):
    help = (
        "Record the head of every village's and township's audit chain that grew since the last time in "
        "the county chain (run it hourly from cron): a chain cut back past that head no longer verifies."
    )

    def handle(self, *args, **options):
        folded = anchor_all()
        self.stdout.write(f"{folded} chains anchored in the county chain.")
