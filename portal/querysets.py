"""Named reads of the registry. Scoping to a user's villages lives in portal.permissions."""

from django.db import models
from django.db.models import Count, Prefetch, Q


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

    def search(self, text: str):
        """By name, household or the last four characters of the ID number, as the clerk types it."""
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text) | Q(household__number__icontains=text) | Q(id_last4__iexact=text.upper())
        )


class CadreQuerySet(models.QuerySet):
    def in_village(self, village):
        return self.filter(village=village)

    def with_posts(self):
        from portal.models import CadrePost

        return self.prefetch_related(
            Prefetch("posts", queryset=CadrePost.objects.order_by("-term_start", "post"))
        )

    def serving_in(self, year: int):
        """Cadres holding at least one post during the given year."""
        return self.filter(
            Q(posts__term_start__lte=year) & (Q(posts__term_end__isnull=True) | Q(posts__term_end__gte=year))
        ).distinct()


class RoleAssignmentQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def in_villages(self, villages):
        """Assignments over these villages, and township roles over their townships."""
        return self.filter(Q(village__in=villages) | Q(township__villages__in=villages)).distinct()
