"""Preparing a venue laptop for a village (the county) and receiving the preparation (the laptop).

The county writes one file signed with its installation's key, in the sealed bundle's envelope
(ratings.bundle.manifest) with `"kind": "village"` in the manifest: the township and the village, the
households, the roll, the cadres and their posts, and the county's rating schemes
(ratings.preparation.contents). The laptop accepts it only under the county's public key
(settings.COUNTY_PUBLIC_KEY) and only if both hash ID numbers under the same key; it checks, in this
order, and refuses at the first that fails, naming it: the file is a preparation file; the laptop knows
the county's key and the file is signed with it; the signature verifies; every member has its manifest
digest; the roll hash keys agree; the file is no older version than one the laptop already received
(a replay); no meeting of the village is being voted on. Then it writes everything in one
transaction, or nothing; a second time with the same file changes nothing.

Each file carries a version, counted as a meeting bundle's is: preparing again with nothing changed
gives the same version, any change the next one (ratings.models.PreparationExport). The laptop keeps
the versions it received (PreparationReceipt): the same version again is taken (it holds the same
registry), an older one refused, so that a stale file on a USB stick cannot undo a newer one.

Mapping by natural keys: the township and the village by code, a household by village and number, a
resident by village and ID hash, a cadre by village and name, a post by cadre, post and first year, a
scheme by name and content. A resident the laptop has on the village's roll and the county has not is
taken off the roll (kept, inactive), as the county's roll is the one that counts. A scheme that differs
from the laptop's of that name replaces its content unless a vote froze it; then it is added beside it.
"""

import json
from collections import Counter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import Meeting
from portal import audit, idcard, permissions, signing
from portal.models import Cadre, CadrePost, Household, Resident, Township, Village
from portal.permissions import Capability
from ratings.ballot import schemes
from ratings.bundle import manifest
from ratings.bundle.manifest import BundleRefused
from ratings.models import PreparationExport, PreparationReceipt, RatingScheme
from ratings.preparation import contents

KIND = "village"
PREPARE_ACTION = "village_prepare"
RECEIVE_ACTION = "village_receive"
REFUSED_ACTION = "village_receive_refused"
RESIDENT_FIELDS = (
    "name",
    "name_ug",
    "gender",
    "birth_year",
    "id_last4",
    "party_member",
    "representative",
    "active",
)

# --- the county ----------------------------------------------------------------------------------------


def _ensure_cadres_apart(village: Village) -> None:
    """The laptop tells cadres apart by name, as the meeting bundle does coming back."""
    names = Counter(Cadre.objects.in_village(village).values_list("name", flat=True))
    for name, count in sorted(names.items()):
        if count > 1:
            raise ValidationError(
                _(
                    "%(village)s has two cadres named %(name)s: rename one before preparing a laptop, "
                    "which tells cadres apart by name."
                )
                % {"village": village, "name": name}
            )


@transaction.atomic
def village_prepare(*, village: Village, by) -> tuple[str, bytes]:
    """The village's preparation file, signed with this installation's key: (file name, zip bytes).

    `by` None: the server's authority (the command line); else a township administrator of the village.
    """
    if by is not None:
        permissions.ensure(by, Capability.MANAGE_MEETINGS, village)
    _ensure_cadres_apart(village)
    key = signing.load_private()
    public = signing.public_text(key.public_key())
    members = contents.members_of(village)
    version = _version(village, members, by)
    prepared_at = timezone.now()
    header = {
        "kind": KIND,
        "village": village.code,
        "version": version,
        "prepared_at": prepared_at.isoformat(),
        "roll_key_check": idcard.hash_key_check(),
    }
    data = manifest.pack(members, header, public_key=public, sign=lambda message: signing.sign(key, message))
    digest = manifest.unpack(data, max_unpacked=settings.BUNDLE_MAX_UNPACKED_BYTES).digest
    audit.record(
        actor=by,
        action=PREPARE_ACTION,
        target=village,
        details={
            "version": version,
            "manifest_sha256": digest,
            "fingerprint": signing.fingerprint(public),
            **_sizes(members),
        },
    )
    return f"village-{village.code}-v{version}-{prepared_at:%Y%m%d-%H%M}.zip", data


def _version(village: Village, members: dict[str, bytes], by) -> int:
    """The file's version: the last one's when nothing in it changed, else the next."""
    content = manifest.sha256(
        "".join(f"{name}:{manifest.sha256(data)}\n" for name, data in sorted(members.items())).encode()
    )
    exports = PreparationExport.objects.filter(village=village).select_for_update()
    last = exports.order_by("-version").first()
    if last is not None and last.content_sha256 == content:
        return last.version
    version = (last.version if last else 0) + 1
    PreparationExport.objects.create(village=village, version=version, content_sha256=content, prepared_by=by)
    return version


def _sizes(members: dict[str, bytes]) -> dict[str, int]:
    """How many rows each list member holds, for the audit log and the person who reads it."""
    return {
        name.removesuffix(".json"): len(json.loads(members[name]))
        for name in sorted(members)
        if name != "village.json"
    }


# --- refusals ------------------------------------------------------------------------------------------


def refusal_message(refusal: BundleRefused) -> str:
    """The refusal in words for the person at the laptop: what failed, and where."""
    messages = {
        "not_a_bundle": _(
            "The file is not a village's preparation file (a zip with manifest.json and manifest.sig)."
        ),
        "too_large": _("The file unpacks to more than this laptop accepts."),
        "manifest_unreadable": _("The file's manifest cannot be read: it is damaged or of another format."),
        "not_a_village_file": _(
            "The file is not a village's preparation file: a meeting bundle goes to the county instead."
        ),
        "no_county_key": _(
            "This laptop does not know the county's key to check the file with: set PORTAL_COUNTY_PUBLIC_KEY "
            "(docs/venue-to-county.md)."
        ),
        "key_not_county": _(
            "The file is signed with a key that is not the county's (fingerprint %(fingerprint)s; the "
            "county's is %(county)s)."
        ),
        "signature_invalid": _("The manifest's signature does not verify: the manifest was altered."),
        "member_missing": _("The member %(member)s listed in the manifest is missing."),
        "member_altered": _(
            "The member %(member)s does not match its SHA-256 in the signed manifest: it was altered."
        ),
        "member_unlisted": _("The member %(member)s is not listed in the signed manifest."),
        "roll_key_differs": _(
            "This laptop hashes ID numbers under another key than the county: set PORTAL_ROLL_HASH_KEY "
            "to the county's before receiving the roll."
        ),
        "replay": _(
            "This is version %(version)s of the preparation file of %(village)s; this laptop already "
            "received version %(received)s. An older file cannot replace a newer one: receive the county's "
            "newest file."
        ),
        "voting_open": _(
            "Voting is open in a meeting of %(village)s on this laptop: receive the file after voting closes."
        ),
        "resident_elsewhere": _(
            "A villager of the file (ID number ending %(last4)s) is on the roll of %(village)s on this "
            "laptop: take them off that roll first."
        ),
        "cadre_ambiguous": _(
            "%(village)s has more than one cadre named %(name)s on this laptop: the file's cadre cannot be "
            "told apart."
        ),
        "content_invalid": _("The member %(member)s does not hold what a village's preparation file holds."),
    }
    return messages[refusal.check] % refusal.params


# --- the laptop ----------------------------------------------------------------------------------------


class ReceiveOutcome:
    def __init__(self, village: Village, changes: Counter, fingerprint: str, version: int):
        self.village, self.changes, self.fingerprint = village, changes, fingerprint
        self.version = version

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def village_receive(*, data: bytes) -> ReceiveOutcome:
    """Check and import a preparation file with the laptop's authority (the command line); a refusal
    (ValidationError naming the failed check) imports nothing and is itself in the audit log."""
    try:
        return _receive(data)
    except BundleRefused as refusal:
        message = refusal_message(refusal)
        with transaction.atomic():
            audit.record(
                actor=None,
                action=REFUSED_ACTION,
                scope=refusal.params.get("scope", ""),
                details={"check": refusal.check, "message": message},
            )
        raise ValidationError(message, code=refusal.check) from None


def _fingerprint(text: str) -> str:
    try:
        signing.parse_public(text)
    except ValueError:
        return "?"
    return signing.fingerprint(text)


def _check(bundle: manifest.Bundle) -> str:
    """The checks before anything is read; the county key's fingerprint when they pass."""
    if bundle.manifest.get("kind") != KIND:
        raise BundleRefused("not_a_village_file")
    county = settings.COUNTY_PUBLIC_KEY
    if not county:
        raise BundleRefused("no_county_key")
    public = str(bundle.manifest.get("public_key", ""))
    if public != county:
        raise BundleRefused("key_not_county", fingerprint=_fingerprint(public), county=_fingerprint(county))
    manifest.check_signature(bundle, signing.verifies)
    manifest.check_members(bundle)
    if bundle.manifest.get("roll_key_check") != idcard.hash_key_check():
        raise BundleRefused("roll_key_differs")
    return signing.fingerprint(county)


@transaction.atomic
def _receive(data: bytes) -> ReceiveOutcome:
    bundle = manifest.unpack(data, max_unpacked=settings.BUNDLE_MAX_UNPACKED_BYTES)
    fingerprint = _check(bundle)
    code = str(bundle.manifest.get("village", ""))
    version = bundle.manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BundleRefused("manifest_unreadable", scope=code)
    here = Village.objects.filter(code=code).first()
    if here is not None:
        received = (
            PreparationReceipt.objects.filter(village=here).select_for_update().order_by("-version").first()
        )
        if received is not None and received.version > version:
            raise BundleRefused(
                "replay", version=version, received=received.version, village=here.name, scope=code
            )
    if here is not None and Meeting.objects.filter(village=here, status=Meeting.Status.VOTING_OPEN).exists():
        raise BundleRefused("voting_open", village=here.name, scope=code)
    writer = _Writer(bundle, code)
    try:
        village = writer.write()
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BundleRefused("content_invalid", member=writer.member, scope=code) from None
    PreparationReceipt.objects.get_or_create(
        village=village, version=version, defaults={"manifest_sha256": bundle.digest}
    )
    audit.record(
        actor=None,
        action=RECEIVE_ACTION,
        target=village,
        details={
            "version": version,
            "manifest_sha256": bundle.digest,
            "fingerprint": fingerprint,
            "changes": dict(writer.changes),
        },
    )
    return ReceiveOutcome(village, writer.changes, fingerprint, version)


def _sync(model, lookup: dict, values: dict):
    """The row of `lookup` with `values`: created, changed where it differs, or left as it is.
    Returns (row, "created" | "changed" | None)."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values), "created"
    return row, _update(row, values)


def _update(row, values: dict) -> str | None:
    differing = [name for name, value in values.items() if getattr(row, name) != value]
    for name in differing:
        setattr(row, name, values[name])
    if differing:
        row.save(update_fields=differing)
        return "changed"
    return None


class _Writer:
    """Writes the members one after the other, remembering which one it reads (for a refusal) and what
    it changed (for the audit log and the person at the laptop)."""

    def __init__(self, bundle: manifest.Bundle, code: str):
        self.bundle, self.code = bundle, code
        self.member = "village.json"
        self.changes = Counter()

    def _count(self, what: str, state: str | None) -> None:
        if state is not None:
            self.changes[f"{what} {state}"] += 1

    def read(self, member: str):
        self.member = member
        return self.bundle.json(member)

    def write(self) -> Village:
        village = self._village(self.read("village.json"))
        households = self._households(village, self.read("households.json"))
        self._roll(village, households, self.read("roll.json"))
        self._cadres(village, self.read("cadres.json"))
        self._schemes(self.read("schemes.json"))
        return village

    def _village(self, described: dict) -> Village:
        place, division = described["township"], described["village"]
        if division["code"] != self.code:
            raise ValueError("the village is not the manifest's")
        township, state = _sync(
            Township,
            {"code": place["code"]},
            {"name": place["name"], "name_ug": place["name_ug"], "county": place["county"]},
        )
        self._count("townships", state)
        village, state = _sync(
            Village,
            {"code": division["code"]},
            {"name": division["name"], "name_ug": division["name_ug"], "township_id": township.pk},
        )
        self._count("villages", state)
        return village

    def _households(self, village: Village, rows: list) -> dict[str, int]:
        here = {household.number: household for household in Household.objects.filter(village=village)}
        for row in rows:
            number, values = str(row["number"]), {"name_ug": str(row["name_ug"])}
            if number in here:
                self._count("households", _update(here[number], values))
            else:
                here[number] = Household.objects.create(village=village, number=number, **values)
                self._count("households", "created")
        return {number: household.pk for number, household in here.items()}

    def _roll(self, village: Village, households: dict[str, int], rows: list) -> None:
        on_roll_elsewhere = (
            Resident.objects.on_roll()
            .exclude(village=village)
            .filter(id_hash__in=[row["id_hash"] for row in rows if row["active"]])
            .select_related("village")
            .first()
        )
        if on_roll_elsewhere is not None:
            raise BundleRefused(
                "resident_elsewhere",
                last4=on_roll_elsewhere.id_last4,
                village=on_roll_elsewhere.village.name,
                scope=self.code,
            )
        here = {resident.id_hash: resident for resident in Resident.objects.in_village(village)}
        new = []
        for row in rows:
            values = {name: row[name] for name in RESIDENT_FIELDS}
            values["household_id"] = households[row["household"]]
            resident = here.get(row["id_hash"])
            if resident is None:
                new.append(Resident(village=village, id_hash=str(row["id_hash"]), **values))
                self._count("residents", "created")
            else:
                self._count("residents", _update(resident, values))
        Resident.objects.bulk_create(new)
        listed = {row["id_hash"] for row in rows}
        off = [
            resident.pk for resident in here.values() if resident.active and resident.id_hash not in listed
        ]
        if off:
            Resident.objects.filter(pk__in=off).update(active=False)
            self.changes["residents taken off the roll"] += len(off)

    def _cadres(self, village: Village, rows: list) -> None:
        for row in rows:
            same = list(Cadre.objects.in_village(village).filter(name=row["name"])[:2])
            if len(same) > 1:
                raise BundleRefused(
                    "cadre_ambiguous", village=village.name, name=row["name"], scope=self.code
                )
            values = {"name_ug": row["name_ug"], "gender": row["gender"]}
            if same:
                cadre = same[0]
                self._count("cadres", _update(cadre, values))
            else:
                cadre = Cadre.objects.create(village=village, name=row["name"], **values)
                self._count("cadres", "created")
            for post in row["posts"]:
                _post, state = _sync(
                    CadrePost,
                    {"cadre": cadre, "post": post["post"], "term_start": post["term_start"]},
                    {"term_end": post["term_end"]},
                )
                self._count("posts", state)

    def _schemes(self, rows: list) -> None:
        for row in rows:
            named = list(RatingScheme.objects.filter(name=row["name"]).order_by("pk"))
            if any(schemes.describe(scheme) == row for scheme in named):
                continue
            open_to_change = [scheme for scheme in named if not scheme.is_frozen]
            if len(open_to_change) == 1:
                schemes.replace_content(open_to_change[0], row)
                self._count("schemes", "changed")
            else:
                schemes.from_description(row)
                self._count("schemes", "created")
