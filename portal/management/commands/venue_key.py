from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.models import VenueKey, Village
from portal.services.venue_keys import venue_key_register, venue_key_revoke


class Command(BaseCommand):
    help = (
        "The public keys of venue laptops, by village: list them, register one (as `signing_key` printed "
        "it on the laptop) or revoke one by its fingerprint. Acts with the server's authority; audited."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list")
        listing.add_argument("--village", metavar="CODE")
        register = actions.add_parser("register")
        register.add_argument("--village", required=True, metavar="CODE")
        register.add_argument("--key", required=True, metavar="BASE64", help="The laptop's public key.")
        register.add_argument("--label", default="", help="Which laptop, in words.")
        revoke = actions.add_parser("revoke")
        revoke.add_argument("--fingerprint", required=True)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

    def _village(self, code: str) -> Village:
        village = Village.objects.filter(code=code).first()
        if village is None:
            raise CommandError(f"There is no village with the code {code}.")
        return village

    def _list(self, village=None, **options):
        keys = VenueKey.objects.select_related("village")
        if village:
            keys = keys.in_village(self._village(village))
        for key in keys:
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "in force"
            self.stdout.write(f"{key.village.code}  {key.fingerprint}  {state}  {key.label}")

    def _register(self, village, key, label, **options):
        registered = venue_key_register(village=self._village(village), public_key=key, label=label, by=None)
        self.stdout.write(f"Registered for {registered.village}: fingerprint {registered.fingerprint}")

    def _revoke(self, fingerprint, **options):
        key = VenueKey.objects.filter(fingerprint=fingerprint.strip().lower()).first()
        if key is None:
            raise CommandError(f"No key has the fingerprint {fingerprint}.")
        venue_key_revoke(key=key, by=None)
        self.stdout.write(f"Revoked: {key.fingerprint} of {key.village}")
