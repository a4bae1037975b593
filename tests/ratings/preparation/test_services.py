"""Preparing a laptop and receiving the preparation, on one installation that trusts its own key as
the county's: what the file holds, that receiving it twice changes nothing, that it brings the laptop's
registry back to the county's, and each refusal, naming what failed, with nothing changed."""

import base64
import io
import json
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import PermissionDenied, ValidationError

from meetings.models import Meeting
from portal import signing
from portal.models import AuditEntry, Cadre, CadrePost, Household, Resident, Township, Village
from ratings.bundle import manifest
from ratings.bundle.services import meeting_import
from ratings.models import RatingScheme
from ratings.preparation.services import village_prepare, village_receive
from tests.factories import CadreFactory, HouseholdFactory, ResidentFactory
from tests.ratings.preparation.conftest import KNOWN_ID_NUMBER
from tests.worlds import make_meeting, set_status

pytestmark = pytest.mark.usefixtures("english", "county_key")


def prepared(county) -> bytes:
    return village_prepare(village=county.village, by=county.township_admin)[1]


def refused(data: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        village_receive(data=data)
    return " ".join(caught.value.messages)


def rewritten(data: bytes, member: str, change) -> bytes:
    """The file with one member changed by `change` (JSON in, JSON out), the signed manifest kept."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == member:
                content = manifest.canonical_json(change(json.loads(content)))
            target.writestr(info.filename, content)
    return out.getvalue()


def test_the_file_holds_the_registry_and_never_an_id_number(county, registry):
    name, data = village_prepare(village=county.village, by=county.township_admin)
    assert name.startswith(f"village-{county.village.code}-") and name.endswith(".zip")
    bundle = manifest.unpack(data, max_unpacked=10**8)
    assert bundle.manifest["kind"] == "village" and bundle.manifest["village"] == county.village.code
    assert bundle.json("village.json")["township"]["code"] == county.township.code
    assert bundle.json("households.json") == [
        {"number": "B-01", "name_ug": ""},
        {"number": "B-02", "name_ug": ""},
    ]
    roll = {row["name"]: row for row in bundle.json("roll.json")}
    assert roll["Aygul Tursun"]["id_hash"] == registry.residents[0].id_hash
    assert roll["Mamat Ali"]["representative"] and not roll["Ehmet Qadir"]["active"]
    assert all(KNOWN_ID_NUMBER not in content.decode() for content in bundle.members.values())
    cadres = {row["name"]: row for row in bundle.json("cadres.json")}
    assert {post["post"] for post in cadres["Tursun Mamat"]["posts"]} == {
        "party_secretary",
        "committee_director",
    }
    assert [scheme["name"] for scheme in bundle.json("schemes.json")] == ["Default scheme"]
    entry = AuditEntry.objects.get(action="village_prepare")
    assert entry.scope == county.village.code and entry.details["roll"] == 5


def test_the_same_file_twice_changes_nothing(county, registry):
    data = prepared(county)
    first = village_receive(data=data)
    assert not first.changed
    again = village_receive(data=data)
    assert not again.changed
    assert AuditEntry.objects.filter(action="village_receive").count() == 2


def test_receiving_brings_the_laptop_back_to_the_county_registry(county, registry):
    data = prepared(county)
    # What the laptop did on its own since: a flag changed, a villager added, a post and a scheme lost.
    Resident.objects.filter(pk=registry.residents[1].pk).update(representative=False)
    stray = ResidentFactory(household=registry.households[0], name="Stray Villager")
    CadrePost.objects.filter(post=CadrePost.Post.FIRST_SECRETARY).delete()
    RatingScheme.objects.all().delete()

    outcome = village_receive(data=data)

    assert Resident.objects.get(pk=registry.residents[1].pk).representative
    stray.refresh_from_db()
    assert not stray.active  # the county's roll is the one that counts; the row stays as history
    assert CadrePost.objects.filter(cadre=registry.cadres[1], post="first_secretary", term_end=2025).exists()
    scheme = RatingScheme.objects.get(name="Default scheme")
    assert scheme.criteria.count() == 5 and scheme.grades.count() == 4
    assert outcome.changes == {
        "residents changed": 1,
        "residents taken off the roll": 1,
        "posts created": 1,
        "schemes created": 1,
    }


def test_uyghur_names_travel_to_the_laptop_and_show_on_its_uyghur_pages(client, county, registry):
    township, village = county.township, county.village
    township.name_ug, village.name_ug = "تۇغراق يېزىسى", "بوستان كەنتى"
    township.save(), village.save()
    Household.objects.filter(pk=registry.households[0].pk).update(name_ug="ئايگۈل تۇرسۇن ئائىلىسى")
    Resident.objects.filter(pk=registry.residents[0].pk).update(name_ug="ئايگۈل تۇرسۇن")
    Cadre.objects.filter(pk=registry.cadres[0].pk).update(name_ug="تۇرسۇن مامۇت")
    data = prepared(county)
    bundle = manifest.unpack(data, max_unpacked=10**8)
    assert bundle.json("village.json")["township"]["name_ug"] == "تۇغراق يېزىسى"
    assert bundle.json("village.json")["village"]["name_ug"] == "بوستان كەنتى"
    assert bundle.json("households.json")[0] == {"number": "B-01", "name_ug": "ئايگۈل تۇرسۇن ئائىلىسى"}
    assert {row["name"]: row["name_ug"] for row in bundle.json("roll.json")}[
        "Aygul Tursun"
    ] == "ئايگۈل تۇرسۇن"
    assert {row["name"]: row["name_ug"] for row in bundle.json("cadres.json")}[
        "Tursun Mamat"
    ] == "تۇرسۇن مامۇت"
    # The laptop has the names in Chinese only (an older preparation, or typed there): the file brings
    # the Uyghur ones.
    for model in (Township, Village, Household, Resident, Cadre):
        model.objects.update(name_ug="")

    outcome = village_receive(data=data)

    assert Township.objects.get(pk=township.pk).name_ug == "تۇغراق يېزىسى"
    assert Village.objects.get(pk=village.pk).name_ug == "بوستان كەنتى"
    assert Household.objects.get(pk=registry.households[0].pk).name_ug == "ئايگۈل تۇرسۇن ئائىلىسى"
    assert Resident.objects.get(pk=registry.residents[0].pk).name_ug == "ئايگۈل تۇرسۇن"
    assert Cadre.objects.get(pk=registry.cadres[0].pk).name_ug == "تۇرسۇن مامۇت"
    assert outcome.changes == {
        "townships changed": 1,
        "villages changed": 1,
        "households changed": 1,
        "residents changed": 1,
        "cadres changed": 1,
    }
    page = client.get(village.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ug").content.decode()
    assert "بوستان كەنتى" in page and "تۇرسۇن مامۇت" in page


def _roll_flag_flipped(roll):
    roll[0]["representative"] = not roll[0]["representative"]
    return roll


def test_an_altered_member_is_refused_by_name_and_nothing_changes(county, registry):
    data = rewritten(prepared(county), "roll.json", _roll_flag_flipped)
    Resident.objects.filter(pk=registry.residents[1].pk).update(representative=False)
    message = refused(data)
    assert (
        "The member roll.json does not match its SHA-256 in the signed manifest: it was altered." in message
    )
    assert not Resident.objects.get(pk=registry.residents[1].pk).representative
    refusal = AuditEntry.objects.get(action="village_receive_refused")
    assert refusal.details["check"] == "member_altered"


def test_a_manifest_altered_after_signing_is_refused(county, registry):
    def other_village(header):
        header["village"] = county.neighbour.code
        return header

    assert "signature does not verify" in refused(rewritten(prepared(county), "manifest.json", other_village))


def test_a_file_signed_by_another_key_is_refused(county, registry, county_key):
    bundle = manifest.unpack(prepared(county), max_unpacked=10**8)
    other = Ed25519PrivateKey.generate()
    public = base64.b64encode(other.public_key().public_bytes_raw()).decode()
    header = {name: value for name, value in bundle.manifest.items() if name not in {"members", "format"}}
    forged = manifest.pack(
        bundle.members, header, public_key=public, sign=lambda m: base64.b64encode(other.sign(m)).decode()
    )
    message = refused(forged)
    assert "signed with a key that is not the county's" in message
    assert AuditEntry.objects.get(action="village_receive_refused").details["check"] == "key_not_county"


def test_a_laptop_without_the_county_key_refuses(county, registry, settings):
    data = prepared(county)
    settings.COUNTY_PUBLIC_KEY = ""
    assert "does not know the county's key" in refused(data)


def test_a_laptop_hashing_under_another_key_refuses(county, registry, settings):
    data = prepared(county)
    settings.ROLL_HASH_KEY = "another laptop's roll hash key"
    assert "hashes ID numbers under another key than the county" in refused(data)


def test_a_meeting_bundle_is_no_preparation_file_and_the_reverse(county, registry):
    data = prepared(county)
    with pytest.raises(ValidationError) as caught:
        meeting_import(data=data, by=county.township_admin)
    assert "not a meeting bundle" in " ".join(caught.value.messages)
    bundle = manifest.unpack(data, max_unpacked=10**8)
    header = {"village": county.village.code, "year": 2024, "version": 1}
    key = Ed25519PrivateKey.generate()
    meeting_like = manifest.pack(
        bundle.members,
        header,
        public_key=bundle.manifest["public_key"],
        sign=lambda m: base64.b64encode(key.sign(m)).decode(),
    )
    assert "not a village's preparation file" in refused(meeting_like)
    assert "not a village's preparation file" in refused(b"PK not a zip")


def test_voting_open_at_the_laptop_refuses(county, registry):
    data = prepared(county)
    meeting = make_meeting(county.village, registry.cadres)
    set_status(meeting, Meeting.Status.VOTING_OPEN)
    assert "Voting is open in a meeting of Bostan" in refused(data)


def test_a_villager_on_another_roll_here_is_refused(county, registry):
    data = prepared(county)
    Resident.objects.filter(pk=registry.residents[0].pk).update(active=False)
    ResidentFactory(household__village=county.neighbour, id_number=KNOWN_ID_NUMBER)
    message = refused(data)
    assert "ID number ending 1234" in message and "is on the roll of Yulghun on this laptop" in message


def test_two_cadres_of_one_name_are_refused_before_preparing(county, registry):
    CadreFactory(village=county.village, name="Li Hua")
    with pytest.raises(ValidationError) as caught:
        village_prepare(village=county.village, by=county.township_admin)
    assert "two cadres named Li Hua" in " ".join(caught.value.messages)
    assert not AuditEntry.objects.filter(action="village_prepare").exists()


def test_a_township_administrator_of_another_township_may_not_prepare(county, registry):
    with pytest.raises(PermissionDenied):
        village_prepare(village=county.elsewhere, by=county.township_admin)
    assert Cadre.objects.count() == 2


def version_of(data: bytes) -> int:
    return manifest.unpack(data, max_unpacked=10**8).manifest["version"]


def test_the_file_carries_a_version_that_changes_with_the_registry(county, registry):
    name, first = village_prepare(village=county.village, by=county.township_admin)
    assert "-v1-" in name
    assert version_of(first) == version_of(prepared(county)) == 1  # nothing changed: the same version
    HouseholdFactory(village=county.village, number="B-03")
    assert version_of(prepared(county)) == 2
    assert AuditEntry.objects.filter(action="village_prepare").order_by("pk").last().details["version"] == 2


def test_an_older_file_after_a_newer_one_is_refused_and_changes_nothing(county, registry):
    older = prepared(county)
    HouseholdFactory(village=county.village, number="B-03")
    newer = prepared(county)
    assert village_receive(data=newer).version == 2
    # The laptop's registry since: the household the newer file brought stays.
    message = refused(older)
    assert (
        "This is version 1 of the preparation file of Bostan; this laptop already received version 2. "
        "An older file cannot replace a newer one" in message
    )
    assert Household.objects.filter(village=county.village, number="B-03").exists()
    assert AuditEntry.objects.get(action="village_receive_refused").details["check"] == "replay"
    again = village_receive(data=newer)  # the newest again is taken, and changes nothing
    assert again.version == 2 and not again.changed


def test_a_file_without_a_version_is_refused(county, registry, county_key, settings):
    bundle = manifest.unpack(prepared(county), max_unpacked=10**8)
    key = signing.load_private()
    header = {
        name: value
        for name, value in bundle.manifest.items()
        if name not in {"members", "format", "version", "public_key"}
    }
    unversioned = manifest.pack(
        bundle.members, header, public_key=county_key, sign=lambda m: signing.sign(key, m)
    )
    assert "manifest cannot be read" in refused(unversioned)
