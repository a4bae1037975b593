from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Registry and administration")

    def ready(self):
        from portal.groups import sync_role_groups

        post_migrate.connect(sync_role_groups, sender=self, dispatch_uid="portal.sync_role_groups")
