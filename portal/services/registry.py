"""Changes to the registry made by hand (the admin pages), each checked and audited."""

from django.db import transaction

from portal import audit, permissions
from portal.models import Cadre
from portal.permissions import Capability


@transaction.atomic
def cadre_save(*, cadre: Cadre, by, changed: list[str]) -> Cadre:
    """Create or change a cadre and their posts; township administrators of the village only."""
    if not by.is_superuser:
        permissions.ensure(by, Capability.MANAGE_ROLES, cadre.village)
    creating = cadre.pk is None
    cadre.save()
    audit.record(
        actor=by,
        action="cadre_create" if creating else "cadre_change",
        target=cadre,
        details={"changed": sorted(changed)},
    )
    return cadre
