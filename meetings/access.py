"""The accessors of the meetings app's objects for a signed-in user: another village's object is a 404.

Each is `get_<thing>_for_user_or_404(user, pk, capability)`, over `Thing.objects.for_user(user, capability)`
(portal.permissions.VillageScopedQuerySet), with what the staff pages of that thing read alongside. Where
the right to an object is more than a capability in its village — the cadre's own report, a question
addressed to the cadre, a commitment the cadre is responsible for — the accessor reads the named queryset
that says so. A user who reaches the object but lacks a further capability for an action gets a 403 from
the service (`permissions.ensure`).
"""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404

from meetings.models import (
    Attachment,
    Commitment,
    HouseholdProblem,
    Measure,
    Meeting,
    Pairing,
    Question,
    ReportRevision,
    RiskFlag,
    Visit,
    WorkReport,
)
from portal.models import Household
from portal.permissions import Capability, get_for_user_or_404, villages_with


def get_meeting_for_user_or_404(user, pk, capability: str) -> Meeting:
    """A meeting of a village where the user holds the capability, drafts included."""
    return get_for_user_or_404(Meeting.objects.with_place().select_related("scheme"), user, capability, pk=pk)


def with_everything(reports):
    """What a report page shows, in one query per kind whatever the length of the report."""
    return reports.select_related("meeting__village__township", "cadre").prefetch_related(
        "attachments",
        Prefetch("revisions", queryset=ReportRevision.objects.order_by("number")),
    )


def get_report_for_user_or_404(user, pk, capability: str) -> WorkReport:
    """A report of a village where the user holds the capability (the moderators' pages)."""
    return get_for_user_or_404(with_everything(WorkReport.objects.all()), user, capability, pk=pk)


def get_own_report_or_404(user, pk) -> WorkReport:
    """A report of the cadre record linked to this account: the cadre's own pages."""
    reports = WorkReport.objects.of_cadre_user(user).select_related("meeting__village", "cadre")
    return get_object_or_404(reports.prefetch_related("attachments"), pk=pk)


def get_own_attachment_or_404(user, pk) -> Attachment:
    """An attachment of a report of the cadre record linked to this account."""
    own_reports = WorkReport.objects.of_cadre_user(user)
    return get_object_or_404(Attachment.objects.filter(report__in=own_reports), pk=pk)


def get_question_for_user_or_404(user, pk, capability: str) -> Question:
    """A question of a village where the user holds the capability (the moderators' pages)."""
    return get_for_user_or_404(
        Question.objects.select_related("meeting__village", "cadre"), user, capability, pk=pk
    )


def get_question_to_answer_or_404(user, pk) -> Question:
    """A question shown to the public and addressed to the user's own cadre record."""
    questions = Question.objects.addressed_to(user).filter(status=Question.Status.APPROVED)
    return get_object_or_404(questions.select_related("meeting__village", "cadre"), pk=pk)


def get_commitment_for_user_or_404(user, pk) -> Commitment:
    """A commitment the user may manage: their own as the responsible cadre, any where they moderate."""
    return get_object_or_404(
        Commitment.objects.manageable_by(user).select_related("meeting__village", "owner"), pk=pk
    )


# ——— the visit log (meetings.visits) ———


def get_pairing_for_user_or_404(user, pk, capability: str) -> Pairing:
    """A pairing of a village where the user holds the capability."""
    return get_for_user_or_404(
        Pairing.objects.select_related("household__village", "cadre"), user, capability, pk=pk
    )


def get_household_for_user_or_404(user, pk, capability: str) -> Household:
    """A household of a village where the user holds the capability."""
    households = Household.objects.filter(village__in=villages_with(user, capability))
    return get_object_or_404(households.select_related("village__township"), pk=pk)


def get_own_problem_or_404(user, pk) -> HouseholdProblem:
    """A problem of a household the cadre of this account is paired with (or was)."""
    households = Pairing.objects.of_cadre_user(user).values("household")
    problems = HouseholdProblem.objects.filter(household__in=households)
    return get_object_or_404(problems.select_related("household__village"), pk=pk)


def get_visit_with_photo_or_404(user, pk) -> Visit:
    """A visit with a photo: the cadre's own, or one of a village where the user manages visits."""
    own = Visit.objects.filter(cadre__user=user) if user.is_authenticated else Visit.objects.none()
    visits = own | Visit.objects.for_user(user, Capability.MANAGE_VISITS)
    return get_object_or_404(visits.exclude(photo=""), pk=pk)


# ——— the monitoring of households at risk (meetings.monitoring) ———


def get_own_visit_or_404(user, pk) -> Visit:
    """A visit the cadre of this account made, while holding the cadre role in its village."""
    if not user.is_authenticated:
        raise Http404
    visits = Visit.objects.filter(cadre__user=user).for_user(user, Capability.WRITE_OWN_CONTENT)
    return get_object_or_404(visits.select_related("household__village", "cadre"), pk=pk)


def get_risk_flag_or_404(user, pk) -> RiskFlag:
    """A risk flag of a household the cadre of this account is paired with, or of a village where the
    user manages visits or works on the households' evaluations."""
    flags = RiskFlag.objects.visible_to(user).select_related(
        "household__village__township", "visit__cadre", "raised_by"
    )
    return get_object_or_404(flags, pk=pk)


def get_measure_or_404(user, pk) -> Measure:
    """A measure of a risk flag the user reaches (get_risk_flag_or_404)."""
    measures = Measure.objects.filter(flag__in=RiskFlag.objects.visible_to(user))
    return get_object_or_404(measures.select_related("flag__household__village", "owner"), pk=pk)
