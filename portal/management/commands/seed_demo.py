from django.core.management.base import BaseCommand, no_translations
from django.urls import reverse

from portal import demo

SITE = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Load the demo: a township of Shufu County with three villages, their rolls and cadres, and one "
        "staff account per role. Idempotent: a second run changes nothing. Prints the demo logins."
    )

    @no_translations
    def handle(self, *args, **options):
        report = demo.seed()
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
