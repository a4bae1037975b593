"""Report text for display: Markdown rendered to safe HTML, and line diffs between two versions.

Whatever is stored — typed in a form, imported, changed in the admin or left by a future bug — passes
through `render` before it reaches a page. Two layers make sure it cannot run script:

1. Python-Markdown runs with its raw-HTML handling removed, so `<script>` in the source is text and is
   escaped, never passed through;
2. its output is then sanitized by nh3 (ammonia) with an explicit allow-list of tags and attributes,
   links limited to http, https and mailto. This layer holds even if the first one had a bug.

Headings are shifted down two levels (# → h3) so that a report never outranks the page it sits on.

Text in one script may quote the other: a Chinese name in a Uyghur report, a Uyghur one in a Chinese
report. Given the version's language, `render` isolates each run of the other script in <bdi>, so that
it keeps its own direction and the punctuation and figures around it stay where the writer put them.
"""

import difflib
import re
import threading
from dataclasses import dataclass
from xml.etree.ElementTree import Element  # noqa: S405 (builds elements, parses nothing)

import markdown as python_markdown
import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "pre",
    "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# Table cells may be aligned, with these values only (the tables extension writes them as `align`).
ALLOWED_ATTRIBUTE_VALUES = {
    "th": {"align": {"left", "center", "right"}},
    "td": {"align": {"left", "center", "right"}},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"

# The sanitizer is immutable and thread-safe; one for the whole process.
_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "template",
        "noscript",
        "svg",
        "math",
    },
    attributes=ALLOWED_ATTRIBUTES,
    tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
    url_schemes=URL_SCHEMES,
    # A report's links lead out of the site; a relative one ("/staff/…", "//host") is refused.
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)


class _ShiftHeadings(Treeprocessor):
    """h1 → h3, h2 → h4, …, never deeper than h6."""

    def run(self, root: Element) -> None:
        for element in root.iter():
            if len(element.tag) == 2 and element.tag[0] == "h" and element.tag[1] in "123456":
                element.tag = f"h{min(int(element.tag[1]) + 2, 6)}"


class _ReportMarkdown(Extension):
    """Headings shifted; raw HTML, blocks and inline, treated as text to escape.

    Images are not embedded (photos are attachments, checked on upload): `![x](url)` stays a link.
    """

    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's name)
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        for pattern in ("image_link", "image_reference", "short_image_ref"):
            md.inlinePatterns.deregister(pattern)
        md.treeprocessors.register(_ShiftHeadings(md), "shift_headings", 5)


def _new_renderer() -> python_markdown.Markdown:
    return python_markdown.Markdown(
        extensions=[
            _ReportMarkdown(),
            "markdown.extensions.tables",
            "markdown.extensions.sane_lists",
            # Reports are written like letters: a line break in the text is a line break on the page.
            "markdown.extensions.nl2br",
        ],
        extension_configs={"markdown.extensions.tables": {"use_align_attribute": True}},
        output_format="html",
    )


# A Markdown instance keeps state between conversions and is not thread-safe: one per thread, reset.
_local = threading.local()


def _renderer() -> python_markdown.Markdown:
    renderer = getattr(_local, "renderer", None)
    if renderer is None:
        renderer = _local.renderer = _new_renderer()
    return renderer.reset()


def sanitize(html: str) -> str:
    """The allow-list alone: what any HTML fragment becomes before it is shown."""
    return _cleaner.clean(html)


def render(text: str, language: str | None = None) -> SafeString:
    """Markdown source → HTML safe to put in a page; with the text's `language` ("zh-hans", "ug"), the
    runs of the other script isolated (`isolate`)."""
    if not text or not text.strip():
        return mark_safe("")  # noqa: S308 (empty)
    html = _convert(text)
    if html is None:
        # Saving refuses such text (`too_deep`); one stored before, or through the admin, is shown as the
        # plain text it is.
        html = "<p>" + escape(text).replace("\n", "<br>") + "</p>"
    html = sanitize(html)
    if language:
        html = isolate(html, language)
    return mark_safe(html)  # noqa: S308 (sanitized by the allow-list, then only <bdi> added)


# Han ideographs, with the CJK and full-width punctuation and the figures that go with them (2024年,
# 张三，李四); Arabic script as Uyghur writes it, words with the spaces between them.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RUN = re.compile(f"[0-9]*[{_HAN}][{_HAN}\u3000-\u303f\uff00-\uffef\u00b70-9]*")
_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefe"
_ARABIC_RUN = re.compile(f"[{_ARABIC}]+(?:[ \u00a0]+[{_ARABIC}]+)*")
# A tag of sanitized HTML, whose attribute values are always in double quotes (and may hold ">").
_TAG = re.compile(r'(<(?:[^>"]|"[^"]*")*>)')


def isolate(html: str, language: str) -> str:
    """Sanitized HTML (or escaped text) in `language`, each run of the other script put in <bdi>:
    Chinese in a Uyghur text, Uyghur in a Chinese one. Tags and their attributes are left alone."""
    run = _HAN_RUN if language.startswith("ug") else _ARABIC_RUN
    return "".join(
        part if index % 2 else run.sub(r"<bdi>\g<0></bdi>", part)
        for index, part in enumerate(_TAG.split(html))
    )


def isolate_text(text: str, language: str) -> SafeString:
    """Plain text (a line of a diff) escaped, the other script's runs isolated."""
    return mark_safe(isolate(escape(text or ""), language))  # noqa: S308 (escaped just here)


def too_deep(text: str) -> bool:
    """Whether the text nests lists or quotes deeper than Python-Markdown can render."""
    return bool(text and text.strip()) and _convert(text) is None


# Python-Markdown looks for the end of a link from every "[" of a paragraph: time quadratic in their number
# (its issue 798); a report of 20,000 took a minute to show. A paragraph with more than this many has them
# escaped: shown as typed, none of them a link (nor, in such a paragraph, anything a "[" would begin).
MAX_BRACKETS = 50
PARAGRAPH_BREAK = re.compile(r"(\n[ \t]*\n)")


def _defuse_brackets(text: str) -> str:
    if text.count("[") <= MAX_BRACKETS:
        return text
    return "".join(
        part.replace("[", "\\[") if part.count("[") > MAX_BRACKETS else part
        for part in PARAGRAPH_BREAK.split(text)
    )


def _convert(text: str) -> str | None:
    """Python-Markdown's HTML, or None when the text nests past the stack: Python-Markdown nests by
    recursion, and a line of thousands of list markers ("- - - …") runs out of it."""
    try:
        return _renderer().convert(_defuse_brackets(text))
    except RecursionError:
        _local.renderer = None  # left half-way through; the next conversion starts from a new one
        return None


@dataclass(frozen=True)
class DiffLine:
    """One line of a change: kept as it was, removed, or added."""

    SAME = "same"
    REMOVED = "removed"
    ADDED = "added"

    kind: str
    text: str


def line_diff(old: str, new: str) -> list[DiffLine]:
    """The lines of `new` against `old`, each marked kept, removed or added, in reading order.

    Plain text, not HTML: the template escapes each line and marks it with <del> or <ins>.
    """
    old_lines, new_lines = (old or "").splitlines(), (new or "").splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, old_from, old_to, new_from, new_to in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(DiffLine(DiffLine.SAME, line) for line in old_lines[old_from:old_to])
            continue
        lines.extend(DiffLine(DiffLine.REMOVED, line) for line in old_lines[old_from:old_to])
        lines.extend(DiffLine(DiffLine.ADDED, line) for line in new_lines[new_from:new_to])
    return lines
