"""Keeps one Django group per role, holding exactly the permissions portal.permissions lists."""

from django.contrib.auth.models import Group, Permission

from portal.models import Role
from portal.permissions import GROUP_PERMISSIONS


def sync_role_groups(**kwargs) -> None:
    """Run after every migrate (post_migrate), so new permissions reach the groups at once."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = Permission.objects.filter(
            content_type__app_label="portal", codename__in=GROUP_PERMISSIONS[role]
        )
        group.permissions.set(wanted)
