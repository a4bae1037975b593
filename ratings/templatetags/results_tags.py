"""Template helpers of the public results: the distribution bar and the way figures are written.

`{% distribution_bar histogram grades %}` draws a grade histogram as one stacked bar of inline SVG,
one segment per grade of the scale, best first in the reading direction (so on a right-to-left page
the best grade starts at the right, as the legend under it does). The SVG carries a <title> for
screen readers and the legend writes every count and share in text: the bar is never the only place
a number is.
"""

from django import template
from django.template.defaultfilters import floatformat
from django.utils import translation

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


@register.filter
def percent(share) -> str:
    """0.755 → "75.5%", 0.9 → "90%"; nothing → a dash."""
    if share is None or share == "":
        return NONE
    return f"{floatformat(float(share) * 100, -1)}%"


@register.filter
def score(value) -> str:
    """A mean or a score, two decimals; nothing → a dash."""
    if value is None or value == "":
        return NONE
    return floatformat(value, 2)
