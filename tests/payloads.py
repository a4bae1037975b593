"""Script payloads for the stored-XSS tests, and the check that a page keeps them inert."""

from html.parser import HTMLParser

# Plain markup a page must show as text.
SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'

MARK = "xss-probe"
PAYLOADS = [
    f'<script>window["{MARK}"]=1</script>',
    f"<img src=x onerror=\"window['{MARK}']=1\">",
    f'"><svg onload="window[\'{MARK}\']=1">',
    f"<a href=\"javascript:window['{MARK}']=1\">x</a>",
    f"<style>body{{background:url('{MARK}')}}</style>",
]


class ActiveContent(HTMLParser):
    """Collects what a browser would run or load from the page: script and style elements,
    event-handler attributes and javascript: URLs. Escaped text is text and never lands here."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._open = tag
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or value.startswith(("javascript:", "data:text/html")):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open and MARK in data:
            self.found.append(f"<{self._open}> holding {data!r}")


def assert_inert(html: str, url: str) -> None:
    parser = ActiveContent()
    parser.feed(html)
    assert not parser.found, f"{url}: {parser.found}"


def assert_pages_inert(client, urls) -> None:
    """Every page answers and keeps the stored payloads inert."""
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)
