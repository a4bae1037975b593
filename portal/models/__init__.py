from portal.models.accounts import PasswordChangeDue
from portal.models.audit import AppendOnlyError, AuditChainHead, AuditEntry
from portal.models.registry import Cadre, CadrePost, Household, Resident, Township, Village
from portal.models.roles import TOWNSHIP_ROLES, Role, RoleAssignment
from portal.models.supervision import SupervisionMember
from portal.models.venue_keys import VenueKey

__all__ = [
    "AppendOnlyError",
    "AuditChainHead",
    "AuditEntry",
    "Cadre",
    "CadrePost",
    "Household",
    "PasswordChangeDue",
    "Resident",
    "Role",
    "RoleAssignment",
    "SupervisionMember",
    "TOWNSHIP_ROLES",
    "Township",
    "VenueKey",
    "Village",
]
