"""Keeps one Django group per role, holding exactly the permissions portal.permissions lists."""

from django.contrib.auth.models import Group, Permission

from portal.models import Role
from portal.permissions import GROUP_PERMISSIONS


def sync_role_groups(**kwargs) -> None:
    """Run after every migrate (post_migrate), so new permissions reach the groups at once."""
    for role in Role:
        _sync(role)


def role_group(role: Role) -> Group:
    """The role's group; made again, with its permissions, if a superuser deleted it in the admin."""
    group = Group.objects.filter(name=role.value).first()
    return group if group is not None else _sync(role)


def _sync(role: Role) -> Group:
    group, _ = Group.objects.get_or_create(name=role.value)
    wanted = Permission.objects.filter(content_type__app_label="portal", codename__in=GROUP_PERMISSIONS[role])
    group.permissions.set(wanted)
    return group
