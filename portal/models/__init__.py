from portal.models.audit import AppendOnlyError, AuditChainHead, AuditEntry
from portal.models.registry import Cadre, CadrePost, Household, Resident, Township, Village
from portal.models.roles import Role, RoleAssignment
from portal.models.supervision import SupervisionMember

__all__ = [
    "AppendOnlyError",
    "AuditChainHead",
    "AuditEntry",
    "Cadre",
    "CadrePost",
    "Household",
    "Resident",
    "Role",
    "RoleAssignment",
    "SupervisionMember",
    "Township",
    "Village",
]
