"""One person, one roll: an ID hash is unique among active residents, whatever their village.

Before this, the same person could be imported into two villages' rolls. A database that already holds
such a person cannot take the index, and which roll is right is for the township to decide, not for a
migration: the check below lists them (village codes and the last ID characters) and stops, so that one
of the two rows can be marked inactive before migrating again.
"""

from django.db import migrations, models
from django.db.models import Count


def refuse_people_on_two_rolls(apps, schema_editor):
    Resident = apps.get_model("portal", "Resident")
    active = Resident.objects.using(schema_editor.connection.alias).filter(active=True)
    doubled = active.values("id_hash").annotate(rolls=Count("pk")).filter(rolls__gt=1).values("id_hash")
    rows = active.filter(id_hash__in=doubled).order_by("id_hash", "village__code")
    people: dict[str, list[str]] = {}
    for id_hash, last4, village_code in rows.values_list("id_hash", "id_last4", "village__code"):
        people.setdefault(id_hash, [f"…{last4}"]).append(village_code)
    if people:
        listed = "; ".join(f"{places[0]} in {', '.join(places[1:])}" for places in people.values())
        raise RuntimeError(
            f"{len(people)} person(s) are active on more than one village's roll: {listed}. "
            "Mark all but one of each person's rows inactive, then migrate again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0001_registry_roles_audit"),
    ]

    operations = [
        migrations.RunPython(refuse_people_on_two_rolls, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="resident",
            constraint=models.UniqueConstraint(
                condition=models.Q(("active", True)), fields=("id_hash",), name="resident_on_one_roll"
            ),
        ),
    ]
