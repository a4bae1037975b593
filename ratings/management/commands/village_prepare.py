from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.models import Village
from portal.signing import SigningKeyError
from ratings.preparation.services import village_prepare


class Command(BaseCommand):
    help = (
        "On the county server: write a village's preparation file for its venue laptop (the township and "
        "village, households, the roll as keyed ID hashes, cadres and posts, the rating schemes), signed "
        "with this installation's key (docs/venue-to-county.md). Acts with the server's authority; audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--village", required=True, metavar="CODE")
        parser.add_argument("--out", type=Path, metavar="FILE", help="Where to write it (default: its name).")

    def handle(self, *args, village, out, **options):
        found = Village.objects.select_related("township").filter(code=village).first()
        if found is None:
            raise CommandError(f"There is no village with the code {village}.")
        try:
            name, data = village_prepare(village=found, by=None)
        except SigningKeyError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        path = out or Path(name)
        path.write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({len(data)} bytes) for {found}."))
