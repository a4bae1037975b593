from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, no_translations
from django.db import transaction
from django.urls import reverse

from meetings import demo as meetings_demo
from meetings.visits import demo as visits_demo
from portal import demo
from portal.models import Village

SITE = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Load the demo: a township of Shufu County with three villages, their rolls and cadres, one staff "
        "account per role, each village's meetings of last year (final) and this year (announced), and a "
        "year of the first village's visits to households. "
        "Idempotent: a second run changes nothing. Prints the demo logins."
    )

    @no_translations
    def handle(self, *args, **options):
        with transaction.atomic():
            report = demo.seed()
            meetings_demo.seed_meetings(
                villages=list(Village.objects.filter(code__in=[spec.code for spec in demo.VILLAGES])),
                superuser=get_user_model().objects.get(username=demo.SUPERUSER),
                report=report,
            )
            # A year of cadres' visits to paired households, in the first village.
            visits_demo.seed_visits(village=Village.objects.get(code=demo.VILLAGES[0].code), report=report)
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(warning))
        created = +report.created  # drops the kinds of which nothing was created
        if created:
            made = ", ".join(f"{count} {kind}(s)" for kind, count in created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {made}."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already in place: nothing changed."))

        rows = [("username", "password", "role", "where")]
        rows += [(login.username, demo.DEMO_PASSWORD, login.role, login.where) for login in report.logins]
        # The last column holds Chinese names, whose width a terminal counts double: left unpadded.
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        self.stdout.write("\nDemo logins (passwords are set when an account is first created):")
        for row in rows:
            padded = [value.ljust(width) for value, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*padded, row[3]]))
        self.stdout.write(f"\nOpen {SITE}{reverse('home')} — staff sign in at {SITE}{reverse('login')}")
