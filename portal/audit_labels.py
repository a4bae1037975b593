"""How the audit log reads to a person: each action code's name in the reader's language, the object's
kind, and the details as "key: value" lines. The codes themselves stay as recorded (they are hashed);
only their display is here, in one place for the page, its filter and its CSV export.

A code missing from ACTION_LABELS (a new action, before its label is written here) shows as itself.
"""

import json

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from portal.models.audit import CHAIN_ANCHOR, CHAIN_OPEN

ACTION_LABELS = {
    # The log itself
    CHAIN_OPEN: _("Audit chain opened"),
    CHAIN_ANCHOR: _("Audit chain anchored in the county's"),
    # Registry, roles and accounts
    "admin_add": _("Record added in the registry admin"),
    "admin_change": _("Record changed in the registry admin"),
    "admin_delete": _("Record deleted in the registry admin"),
    "cadre_create": _("Cadre added"),
    "cadre_change": _("Cadre changed"),
    "cadre_posts_change": _("Cadre's posts changed"),
    "role_grant": _("Role granted"),
    "role_revoke": _("Role revoked"),
    "account_create": _("Staff account created"),
    "account_deactivate": _("Staff account deactivated"),
    "account_reactivate": _("Staff account reactivated"),
    "account_password_link": _("One-time password link made"),
    "account_password_initial": _("Initial password printed"),
    "account_password_changed": _("Password changed"),
    "roll_import": _("Voter roll imported"),
    "login_lockout": _("Staff login locked after failed attempts"),
    "login_unlock": _("Staff login unlocked"),
    "supervision_member_add": _("Supervision committee member added"),
    "supervision_member_remove": _("Supervision committee member removed"),
    "supervision_chair_set": _("Supervision committee chair set"),
    "scheme_create": _("Rating scheme created"),
    "scheme_change": _("Rating scheme changed"),
    "scheme_copy": _("Rating scheme copied"),
    "signing_key_create": _("Signing key created"),
    "venue_key_register": _("Venue laptop registered"),
    "venue_key_revoke": _("Venue laptop revoked"),
    # The meeting
    "meeting_create": _("Meeting created"),
    "meeting_update": _("Meeting changed"),
    "meeting_announce": _("Meeting announced"),
    "meeting_annul": _("Meeting annulled"),
    "voting_open": _("Voting opened"),
    "voting_close": _("Voting closed"),
    "attendance_record": _("Villager signed in"),
    "attendance_undo": _("Sign-in undone"),
    "scrutineer_name": _("Scrutineer named"),
    "scrutineer_remove": _("Scrutineer removed"),
    # Reports, questions, commitments
    "report_create": _("Work report started"),
    "report_save": _("Work report saved"),
    "report_submit": _("Work report submitted"),
    "report_approve": _("Work report approved"),
    "report_return": _("Work report returned for changes"),
    "report_publish": _("Work report published"),
    "attachment_add": _("Attachment added"),
    "attachment_remove": _("Attachment removed"),
    "question_record": _("Question recorded"),
    "question_approve": _("Question approved"),
    "question_hide": _("Question hidden"),
    "question_answer": _("Question answered"),
    "question_answer_edit": _("Answer changed"),
    "commitment_create": _("Commitment made"),
    "commitment_set_status": _("Commitment status changed"),
    "commitment_update_add": _("Commitment progress added"),
    # Cadres' visits to paired households
    "visit_pairing_create": _("Cadre paired with a household"),
    "visit_pairing_end": _("Pairing ended"),
    "visit_policy_add": _("Policy added to the township's list"),
    "visit_policy_change": _("Policy of the township's list changed"),
    "measure_kind_add": _("Measure added to the township's list"),
    "measure_kind_change": _("Measure of the township's list changed"),
    "visit_requirement_set": _("Visit requirement set"),
    "visit_record": _("Visit recorded"),
    "visit_problem_solve": _("Household's problem solved"),
    "household_card_issue": _("Household card printed"),
    "visit_dispute": _("Household said a visit did not happen"),
    # Households at risk found at visits (meetings.monitoring)
    "risk_flag_raise": _("Household flagged at risk"),
    "risk_flag_close": _("Risk closed"),
    "risk_measure_assign": _("Measure assigned against a risk"),
    "risk_measure_done": _("Measure done"),
    # The ballot
    "code_issue": _("Ballot code issued"),
    "code_reissue": _("Ballot code reissued"),
    "code_void": _("Ballot code voided"),
    "codes_issue_batch": _("Ballot codes printed"),
    "poll_book_record": _("Poll book entry"),
    "poll_book_assisted": _("Assisted voting recorded"),
    "poll_book_assisted_undo": _("Assisted voting undone"),
    "terminal_arm": _("Terminal armed"),
    "terminal_disarm": _("Terminal disarmed"),
    "terminal_clear": _("Terminal cleared"),
    "speech_prepare": _("Spoken ballot prepared"),
    "clip_record": _("Spoken clip recorded"),
    "clip_approve": _("Spoken clip approved"),
    # Paper ballots
    "paper_print": _("Paper ballots printed"),
    "paper_issue": _("Paper ballot handed out"),
    "paper_upload": _("Paper ballots scanned"),
    "paper_page_identify": _("Scanned sheet identified"),
    "paper_page_set_aside": _("Scanned sheet set aside"),
    "paper_key": _("Paper ballot keyed"),
    "paper_decide": _("Paper ballot decided"),
    "paper_close": _("Paper count closed"),
    # Results
    "results_compute": _("Results computed"),
    "results_publish": _("Results published"),
    "results_finalize": _("Results made final"),
    "results_withdraw": _("Results withdrawn"),
    "certificate_confirm": _("Closure certificate confirmed"),
    "certificate_paper_signature": _("Closure certificate signed on paper"),
    "objection_rule": _("Objection ruled"),
    "honor_nominate": _("Household put forward for the honor roll"),
    "honor_candidates_collect": _("Honor roll candidates collected"),
    "honor_candidate_review": _("Honor roll candidate reviewed"),
    # Households' evaluations
    "household_proposal_create": _("Household proposed for an evaluation"),
    "household_proposal_update": _("Household proposal changed"),
    "household_proposal_submit": _("Household proposal submitted"),
    "household_proposal_approve": _("Household proposal approved for the agenda"),
    "household_proposal_return": _("Household proposal returned to the village"),
    "household_proposal_place": _("Household proposal placed on an agenda"),
    "household_outcome_record": _("Household evaluation counted"),
    "household_township_check": _("Household evaluation checked by the township"),
    "household_county_decide": _("Household evaluation decided by the county"),
    "household_confirm": _("Household's confirmation of the outcome recorded"),
    # Between the venue laptop and the county
    "meeting_bundle_export": _("Meeting bundle exported"),
    "meeting_bundle_import": _("Meeting bundle imported"),
    "meeting_bundle_refused": _("Meeting bundle refused"),
    "village_prepare": _("Village preparation file signed"),
    "village_receive": _("Village preparation file received"),
    "village_receive_refused": _("Village preparation file refused"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def action_choices(codes) -> list[tuple[str, str]]:
    """These action codes as choices, by their names in the reader's language."""
    return sorted(((code, action_label(code)) for code in codes), key=lambda choice: choice[1])


def target_kind(target_type: str) -> str:
    """The recorded model label ("meetings.meeting") as its name ("meeting"); unknown ones as is."""
    if not target_type:
        return ""
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


def target_named(entry) -> str:
    """The object an entry is about, with its kind: "meeting: Bostan 2024"."""
    kind = target_kind(entry.target_type)
    if kind and entry.target_label:
        return f"{kind}: {entry.target_label}"
    return entry.target_label or kind


def details_lines(details) -> list[str]:
    """The details as "key: value" lines, Chinese and Uyghur as written (no \\u escapes)."""
    if not isinstance(details, dict):
        return [_plain(details)] if details not in (None, "") else []
    return [f"{key}: {_plain(value)}" for key, value in details.items()]


def _plain(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
