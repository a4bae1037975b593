"""Named reads of the registry. Scoping to a user's villages lives in portal.permissions."""

from django.db import models
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, Value, When


def held_in(year: int, path: str = "") -> Q:
    """The rule of a post held during a year: begun by then, and not ended before it.

    `path` leads from the model queried to the posts ("posts__" from a cadre).
    """
    return Q(**{f"{path}term_start__lte": year}) & (
        Q(**{f"{path}term_end__isnull": True}) | Q(**{f"{path}term_end__gte": year})
    )


class VillageQuerySet(models.QuerySet):
    def in_township(self, township):
        return self.filter(township=township)

    def with_roll_counts(self):
        return self.annotate(
            voters=Count("residents", filter=Q(residents__active=True), distinct=True),
            household_count=Count("households", distinct=True),
        )


class ResidentQuerySet(models.QuerySet):
    def on_roll(self):
        """Residents who may vote: active ones (the import admits only adults)."""
        return self.filter(active=True)

    def in_village(self, village):
        return self.filter(village=village)

    def representatives(self):
        return self.filter(representative=True)

    def near_cadres(self, cadres):
        """Residents who are one of `cadres`, or of the same household as one: who may not supervise them.

        The law bars a cadre under review and their close relatives. The registry does not link a cadre
        to their row on the roll, nor record kinship, so this approximates: a resident of the cadre's
        village with the cadre's name counts as the cadre, and everyone of that resident's household as
        a close relative. Relatives in other households are not found; a namesake is refused too, and
        the clerk names someone else.
        """
        as_cadre = self.model.objects.filter(
            Exists(cadres.filter(village=OuterRef("village"), name=OuterRef("name")))
        )
        return self.filter(Q(pk__in=as_cadre.values("pk")) | Q(household__in=as_cadre.values("household")))

    def with_id_number(self, number):
        """The resident whose ID number this is (a portal.idcard.IdNumber), matched by the roll's keyed
        hash: the number itself is never stored nor compared in clear."""
        return self.filter(id_hash=number.keyed_hash)

    def search(self, text: str):
        """By name, household or the last four characters of the ID number, as the clerk types it."""
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text) | Q(household__number__icontains=text) | Q(id_last4__iexact=text.upper())
        )


class CadrePostQuerySet(models.QuerySet):
    def held_in(self, year: int):
        """The posts held during the year (a meeting reports on one year)."""
        return self.filter(held_in(year))

    def by_rank(self):
        """The Party branch first, then the committee, then the stationed team (CadrePost.RANK)."""
        rank = Case(
            *(When(post=post, then=Value(i)) for post, i in self.model.RANK.items()), default=Value(99)
        )
        return self.order_by(rank, "term_start")


class CadreQuerySet(models.QuerySet):
    def in_village(self, village):
        return self.filter(village=village)

    def _posts(self) -> CadrePostQuerySet:
        return self.model.posts.field.model.objects.all()

    def with_posts(self):
        return self.prefetch_related(
            Prefetch("posts", queryset=self._posts().order_by("-term_start", "post"))
        )

    def with_posts_held_in(self, year: int, path: str = ""):
        """Prefetch each cadre's posts of the year, by rank, as `posts_held` (at `path`, e.g. "cadre__")."""
        return self.prefetch_related(
            Prefetch(f"{path}posts", queryset=self._posts().held_in(year).by_rank(), to_attr="posts_held")
        )

    def serving_in(self, year: int):
        """Cadres holding at least one post during the given year."""
        return self.filter(held_in(year, "posts__")).distinct()


class RoleAssignmentQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def in_villages(self, villages):
        """Assignments over these villages, and township roles over their townships."""
        return self.filter(Q(village__in=villages) | Q(township__villages__in=villages)).distinct()
