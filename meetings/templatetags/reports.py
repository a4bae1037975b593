"""Showing work reports: `{{ text|markdown }}`, `{{ line|isolated:language }}` and
`{% report_changes report as changes %}`."""

from dataclasses import dataclass

from django import template

from meetings.models import WorkReport
from meetings.reports import markdown as report_markdown
from meetings.reports.markdown import DiffLine

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Markdown source → sanitized HTML (see meetings.reports.markdown)."""
    return report_markdown.render(str(text) if text is not None else "")


@register.filter(name="isolated")
def isolated_filter(text, language):
    """Plain text of a report version in `language`, escaped, the other script's runs in <bdi>."""
    return report_markdown.isolate_text(str(text) if text is not None else "", language or "")


@dataclass(frozen=True)
class SectionChange:
    label: str
    lines: list[DiffLine]


@dataclass(frozen=True)
class ReportChange:
    changed_at: object
    sections: list[SectionChange]


def _section_changes(before: dict, after: dict) -> list[SectionChange]:
    return [
        SectionChange(str(label), report_markdown.line_diff(before.get(name, ""), after.get(name, "")))
        for name, label in WorkReport.SECTIONS
        if before.get(name, "") != after.get(name, "")
    ]


@register.simple_tag
def proposed_changes(report) -> list[SectionChange]:
    """What the edit held for the moderator would change in the published report."""
    if report.proposed_sections is None:
        return []
    return _section_changes(report.section_texts(), report.text_to_edit())


@register.simple_tag
def report_changes(report) -> list[ReportChange]:
    """Every edit made after publication, newest first, with the changed sections' line diffs.

    Revision n holds the text before the n-th edit; the text after it is revision n+1, or the report
    as it stands for the latest edit. Uses the report's revisions as prefetched (in number order).
    """
    revisions = sorted(report.revisions.all(), key=lambda revision: revision.number)
    if not revisions:
        return []
    versions = [revision.sections for revision in revisions[1:]] + [report.section_texts()]
    changes = []
    for revision, after in zip(revisions, versions, strict=True):
        changes.append(ReportChange(revision.created_at, _section_changes(revision.sections, after)))
    return list(reversed(changes))
