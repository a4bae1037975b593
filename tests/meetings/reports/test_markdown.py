"""Report text is Markdown, and nothing stored in it can run script when it is shown."""

import re
import time
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from meetings.models import WorkReport
from meetings.reports import services
from meetings.reports.markdown import ALLOWED_TAGS, DiffLine, line_diff, render, sanitize
from tests.worlds import make_report

# Each of these has been used to run script through a Markdown renderer or an HTML sanitizer.
XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>body { background: url(javascript:alert(1)) }</style>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<a href=javascript:alert(1)>x</a>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="javascript&#58;alert(1)">x</a>',
    "<a href='&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)'>x</a>",
    "<p onclick=alert(1)>click</p>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=javascript:alert(1)//>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<!--><script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript:alert`1`)",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](file:///etc/passwd)",
    '[x](https://example.com "title" onmouseover="alert(1)")',
    '[x](https://example.com"onmouseover="alert(1))',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](https://example.com/x.png)',
    "<javascript:alert(1)>",
    '<https://example.com/" onmouseover="alert(1)>',
    "<mailto:x@example.com?body=<script>alert(1)</script>>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "# <script>alert(1)</script>",
    "<div>\n<script>alert(1)</script>\n</div>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<a href="https://example.com" style="position:fixed;top:0">x</a>',
    "<x onclick=alert(1)>x</x>",
]

SECTION_NAMES = [name for name, _label in WorkReport.SECTIONS]
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


class Elements(HTMLParser):
    """Every start tag and its attributes, as a browser would see them (entities decoded)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements_of(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def assert_inert(html: str) -> None:
    for tag, attributes in elements_of(html):
        assert tag in ALLOWED_TAGS, f"<{tag}> survived in {html!r}"
        for name, value in attributes.items():
            assert not name.startswith("on"), f"{name}= survived in {html!r}"
            assert name != "style", f"style= survived in {html!r}"
            if name == "href":
                href = "".join((value or "").split()).lower()
                assert href.startswith(("http://", "https://", "mailto:")), f"href={value!r} in {html!r}"


@pytest.mark.parametrize("source", XSS_CORPUS)
def test_nothing_in_the_corpus_survives_rendering(source):
    assert_inert(render(source))


@pytest.mark.parametrize("source", XSS_CORPUS)
def test_the_sanitizer_alone_holds_against_raw_html(source):
    """The second layer: even HTML that never went through Markdown comes out inert."""
    assert_inert(sanitize(source))


def test_raw_html_is_shown_as_text_not_passed_through():
    html = render("Before <b>bold</b> <script>alert(1)</script> after")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html


def test_the_sanitizer_drops_script_and_style_with_their_content():
    assert sanitize("<p>ok</p><script>alert(1)</script><style>p{}</style>") == "<p>ok</p>"


def test_headings_are_shifted_below_the_page_headings():
    html = render("# One\n\n## Two\n\n### Three\n\n#### Four\n\n###### Six")
    assert [tag for tag, _attributes in elements_of(html)] == ["h3", "h4", "h5", "h6", "h6"]


def test_ordinary_formatting_survives():
    html = render(
        "Built **12 km** of road, *on time*.\n\n"
        "- one\n- two\n\n"
        "1. first\n2. second\n\n"
        "> quoted\n\n"
        "| item | yuan |\n|:---|---:|\n| well | 3000 |\n\n"
        "Code: `x = 1`\n\n"
        "See [the notice](https://example.com/notice) or <https://example.com>."
    )
    tags = {tag for tag, _attributes in elements_of(html)}
    assert tags >= {"strong", "em", "ul", "ol", "li", "blockquote", "table", "th", "td", "code", "a"}
    assert '<a href="https://example.com/notice" rel="nofollow noopener noreferrer">the notice</a>' in html
    assert '<td align="right">3000</td>' in html


def test_a_line_break_in_the_text_is_a_line_break_on_the_page():
    assert render("line one\nline two") == "<p>line one<br>\nline two</p>"


def test_relative_links_are_refused():
    html = render("[staff](/staff/) [other host](//evil.example/)")
    assert "href" not in html


def test_empty_text_renders_nothing():
    assert render("") == ""
    assert render("   \n") == ""


def test_the_template_filter_renders_and_sanitizes():
    template = Template("{% load reports %}{{ text|markdown }}")
    html = template.render(Context({"text": "**ok** <img src=x onerror=alert(1)>"}))
    assert html == "<p><strong>ok</strong> &lt;img src=x onerror=alert(1)&gt;</p>"
    assert Template("{% load reports %}{{ text|markdown }}").render(Context({"text": None})) == ""


def test_line_diff_marks_removed_and_added_lines_in_order():
    assert line_diff("a\nb\nc", "a\nB\nc\nd") == [
        DiffLine(DiffLine.SAME, "a"),
        DiffLine(DiffLine.REMOVED, "b"),
        DiffLine(DiffLine.ADDED, "B"),
        DiffLine(DiffLine.SAME, "c"),
        DiffLine(DiffLine.ADDED, "d"),
    ]
    assert line_diff("", "new") == [DiffLine(DiffLine.ADDED, "new")]
    assert line_diff("old", "") == [DiffLine(DiffLine.REMOVED, "old")]


def test_the_report_page_shows_the_corpus_inert(rw):
    """Stored by any means (here straight in the database), nothing runs on the public page."""
    corpus = "\n\n".join(XSS_CORPUS)
    report = make_report(
        rw.meeting, rw.own_cadre, status=WorkReport.Status.PUBLISHED, **dict.fromkeys(SECTION_NAMES, corpus)
    )
    # An edit after publication puts the corpus into the diff of the public page as well.
    report.revisions.create(number=1, sections={"duties": "old"})
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("en"):
        html = client.get(reverse("meetings:report", args=[report.pk])).content.decode()
    assert "This report was changed on" in html
    scripts = [attributes for tag, attributes in elements_of(html) if tag == "script"]
    # The only script is the layout's own Bootstrap bundle, from our static files.
    # The project's own two (forget.js: a page seen without a login drops the visit log's kept pages).
    assert scripts == [
        {"src": "/static/portal/js/forget.js", "defer": None},
        {"src": "/static/bootstrap/js/bootstrap.bundle.min.js"},
    ]
    for tag, attributes in elements_of(html):
        # No photo, no attachment: no image either. (meta, form and input are the layout's own.)
        assert tag not in {"iframe", "object", "embed", "svg", "math", "img", "base", "style", "link"} or (
            tag == "link" and attributes.get("rel") in {"stylesheet", "icon"}
        ), tag
        for name, value in attributes.items():
            assert not name.startswith("on"), (tag, name, value)
            assert not "".join((value or "").split()).lower().startswith(DANGEROUS_SCHEMES), (tag, name)
    assert "<style" not in html


# Thousands of list markers on one line: Python-Markdown nests one list in another for each, by recursion.
TOO_DEEP = "- " * 3000 + "deep"


def test_text_nested_past_the_renderers_stack_is_shown_as_plain_text():
    """A stored report with such text made its page a 500 (RecursionError)."""
    html = render(TOO_DEEP + "\n<script>alert(1)</script>")
    assert html.startswith("<p>- - - ") and "deep<br>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    # The renderer left half-way is not used again.
    assert render("**a** _b_") == "<p><strong>a</strong> <em>b</em></p>"


def test_saving_text_nested_too_deeply_is_refused(rw):
    report = make_report(rw.meeting, rw.own_cadre)
    with translation.override("en"), pytest.raises(ValidationError, match="nests lists or quotes too deeply"):
        services.report_save(report=report, by=rw.county.cadre, sections={"plan": TOO_DEEP})
    report.refresh_from_db()
    assert report.plan == ""


def test_the_report_page_of_text_nested_too_deeply_answers(rw):
    report = make_report(rw.meeting, rw.own_cadre, status=WorkReport.Status.PUBLISHED, duties=TOO_DEEP)
    response = Client().get(reverse("meetings:report", args=[report.pk]))
    assert response.status_code == 200
    assert "- - - - deep</p>" in response.content.decode()


@pytest.mark.parametrize("text", ["[" * 20_000, "[a](" * 5_000, "[a][" * 5_000, ("[" * 60 + "\n") * 300])
def test_a_paragraph_of_thousands_of_brackets_renders_at_once(text):
    """Python-Markdown seeks a link's end from every "[" of a paragraph: 20,000 took a minute (a hang)."""
    started = time.monotonic()
    html = render(text)
    assert time.monotonic() - started < 3
    assert "<a " not in html and html.count("[") == text.count("[")


def test_links_still_work_beside_a_paragraph_of_brackets():
    html = render("[" * 100 + "\n\nSee [the plan](https://example.org/plan) and [1].")
    assert '<a href="https://example.org/plan"' in html and "[1]" in html


# ——— the other script isolated ———


def test_chinese_in_uyghur_text_and_uyghur_in_chinese_text_are_isolated():
    assert str(render("مەن 张三，李四 بىلەن 2024年 ئىشلىدىم.", "ug")) == (
        "<p>مەن <bdi>张三，李四</bdi> بىلەن <bdi>2024年</bdi> ئىشلىدىم.</p>"
    )
    assert (
        str(render("我和 ئايگۈل تۇرسۇن 一起修路。", "zh-hans"))
        == "<p>我和 <bdi>ئايگۈل تۇرسۇن</bdi> 一起修路。</p>"
    )
    # Text in its own script only, or no language given, is left as it is.
    assert "<bdi>" not in render("مەن ئىشلىدىم", "ug") + render("我修路", "zh-hans")
    assert "<bdi>" not in render("我和 ئايگۈل 一起")


def test_isolation_touches_no_tag_or_attribute():
    html = str(render('**张三** [ئۇلىنىش](https://example.com/ "张 > 李")', "ug"))
    assert html == (
        '<p><strong><bdi>张三</bdi></strong> <a href="https://example.com/" title="张 &gt; 李" '
        'rel="nofollow noopener noreferrer">ئۇلىنىش</a></p>'
    )


@pytest.mark.parametrize("source", XSS_CORPUS)
def test_isolation_keeps_the_sanitizers_guarantee(source):
    """<bdi>, added after the sanitizer, is the only element it adds, and it adds no attribute."""
    for html in (render(f"张三 {source} ئايگۈل", "ug"), render(f"ئايگۈل {source} 张三", "zh-hans")):
        assert_inert(re.sub(r"</?bdi>", "", html))
        assert ("bdi", {}) in elements_of(html)
