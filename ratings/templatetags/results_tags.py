"""Template helpers of the public results: the distribution bar and the way figures are written.

`{% distribution_bar histogram grades %}` draws a grade histogram as one stacked bar of inline SVG,
one segment per grade of the scale, best first in the reading direction (so on a right-to-left page
the best grade starts at the right, as the legend under it does). The SVG carries a <title> for
screen readers and the legend writes every count and share in text: the bar is never the only place
a number is.
"""

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils import translation

from ratings import aggregation
from ratings.results.display import grade_label

register = template.Library()

# By the grade's standing: the colours of Bootstrap's success, a lighter green, warning and danger.
COLOURS = {
    "top": "#198754",
    "pass": "#75b798",
    "low": "#ffc107",
    "bottom": "#dc3545",
}
NONE = "—"


@register.inclusion_tag("ratings/results/_distribution_bar.html")
def distribution_bar(histogram: dict, grades: list[dict], abstained: int = 0) -> dict:
    """`histogram`: grade code → ballots; `grades`: the scale (code, label, standing), best first;
    `abstained`: the "don't know" answers, written beside the legend since they are not a grade."""
    scale = [grade for grade in grades if grade["standing"] in COLOURS]
    counts = [int((histogram or {}).get(grade["code"], 0)) for grade in scale]
    total = sum(counts)
    rtl = translation.get_language_bidi()
    segments, start = [], 0.0
    for grade, count in zip(scale, counts, strict=True):
        width = 100 * count / total if total else 0.0
        segments.append(
            {
                "label": grade_label(grade),
                "count": count,
                "share": count / total if total else None,
                "colour": COLOURS[grade["standing"]],
                # Written here, not by the template, so that no locale puts a decimal comma in the SVG.
                "x": f"{(100 - start - width) if rtl else start:.3f}",
                "width": f"{width:.3f}",
            }
        )
        start += width
    return {"segments": segments, "total": total, "abstained": int(abstained or 0)}


def _published(value) -> Decimal:
    """The figure as results.json publishes it (docs/method.md: 4 places, half away from zero).

    A published figure already is that decimal; anything else is rounded by the same rule, so a
    page never shows more, fewer or other digits than the open data.
    """
    return aggregation.round_half_up(Decimal(str(value)))


def _written(number: Decimal) -> str:
    """Without trailing zeros (92.5000 → "92.5", 100.0000 → "100"), in the locale's digits."""
    text = format(number.normalize(), "f")
    places = len(text.partition(".")[2])
    return floatformat(text, places) if places else floatformat(text, 0)


@register.filter
def percent(share) -> str:
    """The published share as a percentage, no digit more or less: 0.755 → "75.5%", 0.93905 → "93.91%"."""
    if share is None or share == "":
        return NONE
    return f"{_written(_published(share) * 100)}%"


@register.filter
def score(value) -> str:
    """A mean or a score as published (up to 4 places): 92.3125 → "92.3125", 85 → "85"; nothing → a dash."""
    if value is None or value == "":
        return NONE
    return _written(_published(value))
