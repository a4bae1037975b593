"""The fuzzer's parts (tests/portal/test_fuzz.py): every route of the urlconf, the values and files a
hostile client sends, and the forms a page offers to post to.

Nothing here knows the portal's pages by name. The routes come from walking the resolver, the query
parameter names from the source of the apps and from the pages' own forms, so that a page added
tomorrow is fuzzed without touching this file.
"""

import re
import struct
import zlib
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from portal.uploads import upload_cutoff
from tests.portal.test_hostile_roll_files import sheet_xml, with_part, workbook

TOO_BIG = str(2**63)  # one past the largest row identifier of both databases

# --- the routes --------------------------------------------------------------------------------------

ROUTE_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")
REGEX_SYNTAX = re.compile(r"[\\^$()|*+?\[\]{}]")


@dataclass(frozen=True)
class Route:
    """One URL pattern, its prefixes included: `template` holds `{name}` where a parameter goes."""

    name: str  # "namespace:name", or the view's dotted path for a pattern without a name
    template: str
    params: tuple[tuple[str, str], ...]  # (name, kind): a converter's name, or "regex:<its body>"

    def fill(self, values: dict[str, str]) -> str:
        """The path with each parameter's value percent-encoded (a path converter keeps its slashes)."""

        def one(match):
            name = match.group(1)
            safe = "/" if dict(self.params)[name] == "path" else ""
            return quote(values[name], safe=safe)

        return "/" + re.sub(r"\{(\w+)\}", one, self.template)


def _pattern_part(pattern) -> tuple[str, list[tuple[str, str]]]:
    if isinstance(pattern, RegexPattern):
        text = str(pattern).removeprefix("^").removesuffix("$")
        params = [(match["name"], "regex:" + match["body"]) for match in REGEX_GROUP.finditer(text)]
        text = REGEX_GROUP.sub(lambda match: "{" + match["name"] + "}", text)
        if REGEX_SYNTAX.search(REGEX_GROUP.sub("", text).replace("{", "").replace("}", "")):
            # Refused loudly rather than skipped: the fuzzer would need to learn this pattern's shape.
            raise ValueError(f"The fuzzer cannot fill the regular expression {pattern!s}")
        return text, params
    text = str(pattern)
    params = [(match["name"], match["converter"] or "str") for match in ROUTE_PARAM.finditer(text)]
    return ROUTE_PARAM.sub(lambda match: "{" + match["name"] + "}", text), params


def routes(patterns=None, prefix: str = "", params=(), namespace: str = "") -> list[Route]:
    """Every URL pattern the resolver knows, with its includes' prefixes and parameters."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        text, own = _pattern_part(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            found += routes(pattern.url_patterns, prefix + text, (*params, *own), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.lookup_str  # the view, for a pattern without a name
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            found.append(Route(name=name, template=prefix + text, params=(*params, *own)))
    return found


# --- hostile values -----------------------------------------------------------------------------------

# Integers a database or int() chokes on: past the 64-bit range either way, huge, negative, not digits.
HOSTILE_INTEGERS = [
    "0",
    "-1",
    TOO_BIG,
    str(2**64),
    str(-(2**63) - 1),
    "9" * 400,
    "1e3",
    "0x1f",
    "1.5",
    " 7",
    "7 ",
    "1_0",
    "٣",  # an Arabic-Indic digit: int() reads it
    "１２",  # full-width digits
    "NaN",
    "-inf",
]
HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "abc",
    "'; DROP TABLE portal_village; --",
    '"><script>alert(1)</script>',
    "ئۇيغۇرچە",  # Uyghur, right to left
    "维吾尔族村民",
    "\u202eevil",
    "😀" * 30,
    "a" * 5000,
    "%",
    "%00",
    "../../../etc/passwd",
    "\\",
    "null",
    "[]",
    "{}",
    "true",
    "2024-02-30",
    "9999-99-99",
    "-0001-01-01",
    "\r\nSet-Cookie: x=1",
]
HOSTILE_MARKDOWN = [
    ">" * 5000 + " deep quote",
    "- " * 3000 + "deep list",
    "[" * 20000,
    "*" * 20000,
    "`" * 20000,
    "[x](javascript:alert(1)) <img src=x onerror=alert(1)> <script>alert(1)</script>",
    "[a]: http://x\n" * 2000 + "[a]" * 2000,
    "| a |\n|---|\n" + "| b |\n" * 3000,
    "<" * 10000 + ">" * 10000,
    "&#" + "9" * 400 + ";",
    "#" * 100 + " title",
]
HOSTILE_VALUES = HOSTILE_INTEGERS + HOSTILE_TEXT
ACCEPT_LANGUAGES = [
    "en",
    "zh-hans",
    "ug",
    "",
    "xx",
    "zh-hans;q=abc,ug;q=-1",
    "*",
    "a" * 3000,
    "ug-CN,en;q=0.5",
]

# Names every page might read, besides those found in the source and in the pages' forms.
BASE_QUERY_NAMES = ["id", "pk", "page", "per_page", "sort", "language", "lang", "q", "year", "status", "next"]
SOURCE_QUERY_NAME = re.compile(
    r"""(?:GET|POST|QUERY_PARAMS|query|params)(?:\.get|\.getlist|\.pop)?\(?\[?\s*["']([\w-]+)["']"""
    r"""|int_param\(\s*request\s*,\s*["']([\w-]+)["']"""
)
TABLE_PREFIX = re.compile(r"""prefix=["']([\w-]+)["']""")


@cache
def query_names() -> tuple[str, ...]:
    """The query parameter names the apps read, found in their source (and each table prefix's own
    page, page size and sort), with the usual names besides."""
    names = set(BASE_QUERY_NAMES)
    for app in ("portal", "meetings", "ratings"):
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            names.update(
                next(name for name in match.groups() if name) for match in SOURCE_QUERY_NAME.finditer(text)
            )
            for prefix in TABLE_PREFIX.findall(text):
                names.update(prefix + suffix for suffix in ("page", "per_page", "sort"))
    # The admin's own: ordering, page, search, show all, popup, the field a popup points to.
    names.update(["o", "p", "q", "all", "_popup", "_to_field", "_changelist_filters", "e"])
    return tuple(sorted(names))


# --- hostile files ------------------------------------------------------------------------------------

ROLL_HEADER = ["household", "name", "gender", "birth_year", "id_number", "party_member", "representative"]


def png(width: int, height: int, data: bytes = b"") -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


@dataclass(frozen=True)
class HostileFile:
    name: str  # what the test reports
    filename: str  # what the upload says it is
    content: bytes
    content_type: str = "application/octet-stream"


@cache
def hostile_files() -> tuple[HostileFile, ...]:
    """The files the issue lists, and their cousins: posted to every upload form as every account."""
    good = workbook([ROLL_HEADER, ["H1", "Aynur", "F", 1970, "653101197001010011", "", ""]])
    lol = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    laughs = "<!DOCTYPE lolz [" + "".join(lol) + "]>"
    cell = '<row r="1"><c r="A1" t="inlineStr"><is><t>{}</t></is></c></row>'
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    many_rows = "".join(f'<row r="{n}"/>' for n in range(1, 300_001))
    huge_cell = cell.format("x" * (3 * 1024 * 1024))  # deflates to a few KB
    files = [
        (
            "xlsx-billion-laughs",
            "roll.xlsx",
            with_part(good, "xl/worksheets/sheet1.xml", sheet_xml(cell.format("&lol9;"), laughs)),
            xlsx,
        ),
        (
            "xlsx-external-entity",
            "roll.xlsx",
            with_part(
                good,
                "xl/worksheets/sheet1.xml",
                sheet_xml(cell.format("&x;"), '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
            ),
            xlsx,
        ),
        (
            "xlsx-huge-cell",
            "roll.xlsx",
            with_part(good, "xl/worksheets/sheet1.xml", sheet_xml(huge_cell)),
            xlsx,
        ),
        (
            "xlsx-300000-rows",
            "roll.xlsx",
            with_part(good, "xl/worksheets/sheet1.xml", sheet_xml(many_rows)),
            xlsx,
        ),
        ("xlsx-zip-bomb", "roll.xlsx", with_part(good, "xl/padding.xml", b" " * (40 * 1024 * 1024)), xlsx),
        ("xlsx-no-sheet", "roll.xlsx", with_part(good, "xl/workbook.xml", b"<workbook/>"), xlsx),
        ("xlsx-truncated", "roll.xlsx", good[: len(good) // 2], xlsx),
        ("xlsx-not-a-zip", "roll.xlsx", b"PK\x03\x04" + b"\x00" * 200, xlsx),
        (
            "csv-not-utf8",
            "roll.csv",
            b"\xff\xfe\x00h\x00o\x00u\x00s\x00e\xc3\x28\xa0\xa1\n\x80\x81",
            "text/csv",
        ),
        (
            "csv-nul-bytes",
            "roll.csv",
            (",".join(ROLL_HEADER) + "\n").encode() + b"H1,\x00\x00,F,1970,\x00\n",
            "text/csv",
        ),
        (
            "csv-open-quote",
            "roll.csv",
            (",".join(ROLL_HEADER) + '\nH1,"never closed,F,1970\n' * 50).encode(),
            "text/csv",
        ),
        ("csv-header-only", "roll.csv", ",".join(ROLL_HEADER).encode(), "text/csv"),
        ("csv-wrong-header", "roll.csv", b"a;b;c\n1;2;3\n", "text/csv"),
        (
            "csv-huge-line",
            "roll.csv",
            (",".join(ROLL_HEADER) + "\nH1," + "x" * 2_000_000 + "\n").encode(),
            "text/csv",
        ),
        (
            "csv-many-lines",
            "roll.csv",
            (",".join(ROLL_HEADER) + "\n" + ",,,,,,\n" * 200_000).encode(),
            "text/csv",
        ),
        (
            "csv-formula",
            "roll.csv",
            (",".join(ROLL_HEADER) + "\n=cmd|'/c calc'!A1,@SUM(1),+1,-1,9" * 3 + "\n").encode(),
            "text/csv",
        ),
        (
            "csv-utf16",
            "roll.csv",
            (",".join(ROLL_HEADER) + "\nH1,阿依努尔,F,1970,1,,\n").encode("utf-16"),
            "text/csv",
        ),
        ("empty", "empty.csv", b"", "text/csv"),
        ("text-as-jpeg", "photo.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
        ("truncated-jpeg", "photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50, "image/jpeg"),
        ("png-garbage", "photo.png", png(10, 10, b"not zlib at all"), "image/png"),
        ("png-pixel-bomb", "photo.png", png(100_000, 100_000, zlib.compress(b"\x00" * 1000)), "image/png"),
        (
            "gif",
            "photo.gif",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
            "image/gif",
        ),
        (
            "svg-script",
            "photo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
        (
            "pdf-corrupt",
            "report.pdf",
            b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF-not",
            "application/pdf",
        ),
        (
            "pdf-truncated",
            "report.pdf",
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R",
            "application/pdf",
        ),
        (
            "pdf-javascript",
            "report.pdf",
            b"%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n%%EOF",
            "application/pdf",
        ),
        ("zip-as-pdf", "report.pdf", good, "application/pdf"),
        ("oversize", "big.pdf", b"%PDF-" + b"0" * (settings.UPLOAD_MAX_BYTES + 1024), "application/pdf"),
        ("past-the-cutoff", "big.csv", b"0" * (upload_cutoff() + 1024), "text/csv"),  # no longer read
        ("long-name", "x" * 5000 + ".png", png(1, 1, zlib.compress(b"\x00\x00\x00\x00")), "image/png"),
        ("odd-name", "../../\x00\u202egnp.exe", b"MZ" + b"\x00" * 100, "application/x-msdownload"),
    ]
    return tuple(HostileFile(*spec) for spec in files)


# --- the forms a page offers ---------------------------------------------------------------------------


@dataclass
class Form:
    action: str  # a path
    method: str
    multipart: bool
    fields: list[tuple[str, str, str, list[str]]] = field(
        default_factory=list
    )  # (name, type, value, options)

    def key(self) -> tuple:
        return (self.action, self.method, tuple(name for name, *_ in self.fields))

    def defaults(self) -> dict[str, str]:
        """What a user who changes nothing would send (a select's first offered value, a box ticked)."""
        values: dict[str, str] = {}
        for name, kind, value, options in self.fields:
            if kind == "file" or (kind == "radio" and name in values):
                continue
            if kind == "select":
                values[name] = options[0] if options else ""
            elif kind in ("checkbox", "radio"):
                values[name] = value or "on"
            else:
                values[name] = value
        return values


class FormParser(HTMLParser):
    """The forms of a page, with their fields' names, types, values and a select's options."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urlsplit(attrs.get("action") or self.page_path).path or self.page_path
            self._form = Form(
                action=action,
                method=(attrs.get("method") or "get").lower(),
                multipart="multipart" in attrs.get("enctype", ""),
            )
            self.forms.append(self._form)
        elif self._form is not None and attrs.get("name"):
            if tag == "input":
                kind = attrs.get("type", "text").lower()
                if kind not in ("submit", "button", "image", "reset"):
                    self._form.fields.append((attrs["name"], kind, attrs.get("value", ""), []))
            elif tag == "textarea":
                self._form.fields.append((attrs["name"], "textarea", "", []))
            elif tag == "select":
                self._select = [attrs["name"], "select", "", []]
                self._form.fields.append(self._select)
            elif tag == "button" and attrs.get("value"):
                self._form.fields.append((attrs["name"], "hidden", attrs["value"], []))
        if tag == "option" and self._select is not None and "value" in attrs:
            self._select[3].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_of(html: str, page_path: str) -> list[Form]:
    parser = FormParser(page_path)
    parser.feed(html)
    for form in parser.forms:
        form.fields = [tuple(item) for item in form.fields]
    return parser.forms
