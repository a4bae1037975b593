"""A pen and a scanner, simulated: marks drawn on a rendered sheet, then the damage of a scan or a photo.

Shared by the tests and bench/paper.py. Every function takes a `random.Random`, so a seed fixes the
sheet. Marks are drawn on the Pillow image at its resolution, in millimetres of the layout; the
damage works on the greyscale pixels (numpy, OpenCV) and returns the bytes an upload would carry.
"""

import enum
import io
import math
import random

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ratings.paper import layout as geometry
from ratings.paper.raster import MM_PER_INCH


class Mark(enum.StrEnum):
    # Clear: the reader must read them right.
    TICK = "tick"
    CROSS = "cross"
    FILLED = "filled"
    CIRCLE = "circle"  # an O drawn inside the box
    # For a person: the reader must flag them.
    FAINT = "faint"
    DOT = "dot"  # a short touch of the pen, not a mark
    ACROSS = "across"  # one mark over two neighbouring boxes
    AROUND = "around"  # a circle drawn round the box, not in it
    STRAY_IN_GRID = "stray_in_grid"  # a line between the boxes of a row


CLEAR = (Mark.TICK, Mark.CROSS, Mark.FILLED, Mark.CIRCLE)
UNCLEAR = (Mark.FAINT, Mark.DOT, Mark.ACROSS, Mark.AROUND, Mark.STRAY_IN_GRID)


class Pen:
    """Draws in layout millimetres on an image rendered at `dpi`."""

    def __init__(self, image: Image.Image, dpi: int, rng: random.Random):
        self.draw = ImageDraw.Draw(image)
        self.per_mm = dpi / MM_PER_INCH
        self.rng = rng

    def _width(self, mm: float | None = None) -> int:
        return max(1, round((mm or self.rng.uniform(0.45, 0.8)) * self.per_mm))

    def _ink(self) -> int:
        return self.rng.randint(0, 70)  # black or blue ballpoint, in grey

    def _p(self, x: float, y: float) -> tuple[float, float]:
        return (x * self.per_mm, y * self.per_mm)

    def stroke(self, points, *, ink: int | None = None, width_mm: float | None = None) -> None:
        self.draw.line(
            [self._p(*p) for p in points],
            fill=self._ink() if ink is None else ink,
            width=self._width(width_mm),
            joint="curve",
        )

    def jitter(self, value: float, spread: float = 0.6) -> float:
        return value + self.rng.uniform(-spread, spread)

    def mark(self, kind: Mark, line: geometry.Line, grade: int) -> None:
        box = line.boxes[grade]
        x, y, s = box.x, box.y, box.w
        j = self.jitter
        if kind is Mark.TICK:
            self.stroke(
                [
                    (j(x + 0.15 * s), j(y + 0.5 * s)),
                    (j(x + 0.42 * s), j(y + 0.85 * s)),
                    (j(x + 1.05 * s), j(y + 0.0)),
                ]
            )
        elif kind is Mark.CROSS:
            self.stroke([(j(x + 0.1 * s), j(y + 0.1 * s)), (j(x + 0.9 * s), j(y + 0.9 * s))])
            self.stroke([(j(x + 0.9 * s), j(y + 0.1 * s)), (j(x + 0.1 * s), j(y + 0.9 * s))])
        elif kind is Mark.FILLED:
            ink = self._ink()
            for step in range(9):  # a box scribbled over, stroke by stroke
                t = 0.12 + 0.76 * step / 8
                self.stroke(
                    [(j(x + 0.12 * s, 0.3), j(y + t * s, 0.3)), (j(x + 0.88 * s, 0.3), j(y + t * s, 0.3))],
                    ink=ink,
                    width_mm=1.0,
                )
        elif kind is Mark.CIRCLE:
            cx, cy, r = j(x + s / 2, 0.3), j(y + s / 2, 0.3), self.rng.uniform(0.28, 0.36) * s
            self.stroke([(cx + r * math.cos(a / 10), cy + r * math.sin(a / 10)) for a in range(0, 66)])
        elif kind is Mark.FAINT:
            ink = self.rng.randint(185, 205)  # a pencil barely pressed, or a dry pen
            self.stroke(
                [(x + 0.2 * s, y + 0.5 * s), (x + 0.45 * s, y + 0.85 * s), (x + 0.95 * s, y + 0.1 * s)],
                ink=ink,
            )
        elif kind is Mark.DOT:
            cx, cy = j(x + s / 2, 1.0), j(y + s / 2, 1.0)
            self.stroke([(cx, cy), (cx + self.rng.uniform(0.6, 1.0), cy + self.rng.uniform(-0.3, 0.3))])
        elif kind is Mark.ACROSS:
            other = line.boxes[grade + 1] if grade + 1 < len(line.boxes) else line.boxes[grade - 1]
            left, right = sorted((box, other), key=lambda r: r.x)
            self.stroke(
                [
                    (j(left.x + 0.3 * s), j(y + 0.6 * s)),
                    (j((left.right + right.x) / 2), j(y + 0.9 * s)),
                    (j(right.right - 0.2 * s), j(y + 0.2 * s)),
                ]
            )
        elif kind is Mark.AROUND:
            cx, cy, r = x + s / 2, y + s / 2, 0.5 * s + self.rng.uniform(1.0, 2.0)
            self.stroke([(cx + r * math.cos(a / 10), cy + 0.9 * r * math.sin(a / 10)) for a in range(0, 66)])
        elif kind is Mark.STRAY_IN_GRID:
            gap_left = line.boxes[0].right if grade == 0 else line.boxes[grade - 1].right
            gx = gap_left + self.rng.uniform(2.5, 3.5)
            self.stroke([(gx, y - 0.5), (gx + self.rng.uniform(-1, 1), y + s + 0.5)])

    def stray_outside(self, page: geometry.Page) -> None:
        """Ink where no box is: a line through a cadre's name, a doodle in the margin."""
        line = self.rng.choice(page.lines)
        label = line.label_rect
        y = line.row.y + line.row.h / 2
        self.stroke(
            [(label.x + 2, j := y + self.rng.uniform(-2, 2)), (label.right - 8, j + self.rng.uniform(-1, 1))]
        )
        mx = self.rng.uniform(3, 6)
        my = self.rng.uniform(60, 250)
        self.stroke([(mx, my), (mx + 6, my + self.rng.uniform(-8, 8)), (mx + 2, my + 12)])

    def write(self, rect: geometry.Rect) -> None:
        """A household number written in a nomination box."""
        for digit in range(self.rng.randint(2, 4)):
            x = rect.x + 9 + digit * 5
            self.stroke([(x, rect.y + 3), (x + 2, rect.y + 3), (x + 1, rect.bottom - 3)])


# --- the damage of a scanner or a camera ----------------------------------------------------------


def degrade(
    image: Image.Image,
    rng: random.Random,
    *,
    turn: int = 0,
    angle: float = 0.0,
    perspective: float = 0.0,
    blur: float = 0.0,
    gradient: float = 0.0,
    fold: bool = False,
    noise: float = 0.0,
    scale: float = 1.0,
    background: int = 255,
) -> np.ndarray:
    """The page as a scanner or a phone would give it: quarter turns, a tilt in degrees, corners pulled
    by up to `perspective` of the page's size, blur (sigma in pixels), light falling off by up to
    `gradient`, a fold, noise (sigma in grey levels), resized by `scale`, on a `background`."""
    page = np.array(image, dtype=np.uint8)
    if fold:  # a soft shadow along a horizontal fold, and a thin crease
        h, w = page.shape
        y = rng.randint(h // 4, 3 * h // 4)
        rows = np.arange(h, dtype=np.float32)[:, None]
        shade = 1.0 - 0.08 * np.exp(-(((rows - y) / (0.01 * h)) ** 2))
        page = (page.astype(np.float32) * shade).astype(np.uint8)
        cv2.line(page, (0, y), (w, y + rng.randint(-10, 10)), 215, 1)
    page = np.rot90(page, k=turn).copy()
    h, w = page.shape
    pad = round(0.08 * max(h, w))
    canvas = np.full((h + 2 * pad, w + 2 * pad), background, np.uint8)
    canvas[pad : pad + h, pad : pad + w] = page
    corners = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    pulled = corners + np.float32(
        [[rng.uniform(-1, 1) * perspective * w, rng.uniform(-1, 1) * perspective * h] for _ in range(4)]
    )
    center = (canvas.shape[1] / 2, canvas.shape[0] / 2)
    rotation = cv2.getRotationMatrix2D(center, angle, 1.0)
    pulled = cv2.transform(pulled.reshape(-1, 1, 2), rotation).reshape(-1, 2)
    warp = cv2.getPerspectiveTransform(corners, pulled)
    out = cv2.warpPerspective(canvas, warp, (canvas.shape[1], canvas.shape[0]), borderValue=background)
    if scale != 1.0:
        out = cv2.resize(out, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if blur:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    if gradient:
        hh, ww = out.shape
        direction = rng.uniform(0, 2 * math.pi)
        xs = np.linspace(-1, 1, ww, dtype=np.float32)[None, :]
        ys = np.linspace(-1, 1, hh, dtype=np.float32)[:, None]
        ramp = (xs * math.cos(direction) + ys * math.sin(direction) + 1.5) / 3.0
        out = out.astype(np.float32) * (1.0 - gradient * (1.0 - ramp))
    if noise:
        out = np.asarray(out, np.float32) + np.random.default_rng(rng.randrange(2**32)).normal(
            0, noise, out.shape
        )
    return np.clip(out, 0, 255).astype(np.uint8)


def encode(pixels: np.ndarray, *, fmt: str = "PNG", quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt, quality=quality)
    return buffer.getvalue()
