from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import audit, signing


class Command(BaseCommand):
    help = (
        "Show this installation's public signing key and its fingerprint (what the township registers for "
        "the village); with --create, make the key first. An existing key is never overwritten, and the "
        "private key is never printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--create", action="store_true", help="Create the key file if there is none.")

    def handle(self, *args, create, **options):
        path = settings.SIGNING_KEY_FILE
        if create:
            if path.exists():
                raise CommandError(f"{path} already holds a signing key; it is not replaced.")
            try:
                public = signing.create_key_file(path)
            except FileExistsError:
                raise CommandError(f"{path} already holds a signing key; it is not replaced.") from None
            text = signing.public_text(public)
            with transaction.atomic():
                audit.record(
                    actor=None,
                    action="signing_key_create",
                    details={"fingerprint": signing.fingerprint(text), "file": str(path)},
                )
        else:
            try:
                text = signing.public_text(signing.load_private(path).public_key())
            except signing.SigningKeyError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(f"public key: {text}")
        self.stdout.write(f"fingerprint: {signing.fingerprint(text)}")
