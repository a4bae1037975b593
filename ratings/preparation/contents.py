"""What a village's preparation file holds, member by member, read from the county's database.

Everything is described by natural keys, which mean the same on the county server and on the laptop:
the township and the village by their codes, a household by its number, a resident by the keyed hash
of their ID number (never the number: the laptop hashes under the same PORTAL_ROLL_HASH_KEY, which the
manifest lets it check), a cadre by name within the village, a scheme by its name. Each place and
person carries its Uyghur name (`name_ug`, empty when none), which the laptop's Uyghur pages show.
"""

from portal.models import Cadre, CadrePost, Household, Resident, Village
from ratings.ballot import schemes
from ratings.bundle.manifest import canonical_json
from ratings.models import RatingScheme


def village_member(village: Village) -> dict:
    township = village.township
    return {
        "township": {
            "code": township.code,
            "name": township.name,
            "name_ug": township.name_ug,
            "county": township.county,
        },
        "village": {"code": village.code, "name": village.name, "name_ug": village.name_ug},
    }


def households_member(village: Village) -> list[dict]:
    return list(Household.objects.filter(village=village).order_by("number").values("number", "name_ug"))


def roll_member(village: Village) -> list[dict]:
    """The residents as stored, those off the roll too (so that the laptop takes them off its own)."""
    rows = (
        Resident.objects.in_village(village)
        .order_by("id_hash")
        .values(
            "household__number",
            "name",
            "name_ug",
            "gender",
            "birth_year",
            "id_hash",
            "id_last4",
            "party_member",
            "representative",
            "active",
        )
    )
    return [{"household": row.pop("household__number"), **row} for row in rows]


def cadres_member(village: Village) -> list[dict]:
    posts = {}
    for post in CadrePost.objects.filter(cadre__village=village).order_by("cadre_id", "term_start", "post"):
        posts.setdefault(post.cadre_id, []).append(
            {"post": post.post, "term_start": post.term_start, "term_end": post.term_end}
        )
    return [
        {
            "name": cadre.name,
            "name_ug": cadre.name_ug,
            "gender": cadre.gender,
            "posts": posts.get(cadre.pk, []),
        }
        for cadre in Cadre.objects.in_village(village).order_by("name", "pk")
    ]


def schemes_member(village: Village) -> list[dict]:
    """The schemes a meeting of the village may use: its township's and the county's presets
    (meetings.forms.MeetingForm); never another township's."""
    return [
        schemes.describe(scheme)
        for scheme in RatingScheme.objects.offered_to(village.township)
        .order_by("name", "pk")
        .prefetch_related("groups")
    ]


def members_of(village: Village) -> dict[str, bytes]:
    return {
        name: canonical_json(content)
        for name, content in (
            ("village.json", village_member(village)),
            ("households.json", households_member(village)),
            ("roll.json", roll_member(village)),
            ("cadres.json", cadres_member(village)),
            ("schemes.json", schemes_member(village)),
        )
    }
