"""Moving the photo's own pixels: displacement fields on the aligned face, applied at the photo's resolution.

A field is backward: at each point of the aligned crop it says where, in crop pixels, that point's
content comes from. It is defined on a coarse grid over the crop (so it is smooth by construction),
read at every photo pixel of the face through the alignment, faded to zero at the face's border, and
the photo's own pixels are resampled by it. Where the field is zero the photo is untouched, byte for
byte; nothing is painted, so the edit's detail and colour are the photo's own.

Resampling at a fraction of a pixel blurs: bicubic or Lanczos interpolation of a half-pixel shift cuts
a photo's Laplacian variance by 20-35%. So the photo is split at DETAIL_SIGMA: the smooth part is
interpolated (bicubic) and the fine detail (skin texture, hair, grain) moves by whole pixels (nearest),
which keeps its energy: the geometry engine's edits of the astronaut keep 0.98-1.03 of the face's
sharpness this way, 0.85-0.93 with Lanczos alone (docs/results.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field

import numpy as np

from facegan.editing.align import FACE_AXES, FACE_CENTRE, FADE_REACH, FRAME, Alignment, face_region
from facegan.editing.faces import Box

STILL = 1e-3
"""Moves shorter than this many photo pixels leave the pixel as it is."""
SHARE_STEPS = 20
"""`unfolded_share` tries shares of a field in steps of 1/SHARE_STEPS."""
FIELD_FADE = 4.0
"""Frame pixels past the crop over which a field fades to zero: a photo goes on past the crop (the collar under
a chin, the hair above a brow), and a field held at its edge value there moved them (docs/results.md). The
geometry engine's spline is still at its anchors, about this far out."""
DETAIL_SIGMA = 1.0
"""Photo pixels: detail finer than a Gaussian of this width moves by whole pixels."""
STRIP = 64
"""Photo rows moved at once."""
REACH = 8
"""Photo pixels around the points a resample reads that it must see: the blur's kernel (4 sigma) and bicubic
interpolation's (2), and one to spare."""
SEAL_OVERSHOOT = 0.5
"""Frame pixels: the lower lip is taken this far below its inner edge, so no tooth shows on the seam."""
UPPER_LIP_SHARE = 0.5
"""The upper lip is taken this far from its outer edge to its inner landmarks: dlib puts those on the upper teeth
of a smile (docs/results.md)."""
OUTER_UPPER_LIP, UPPER_INNER_LIP, LOWER_INNER_LIP = [48, 50, 51, 52, 54], [60, 61, 62, 63, 64], [60, 67, 66, 65, 64]
UPPER_LIP_OUTLINE, LOWER_LIP_OUTLINE = [48, 49, 50, 51, 52, 53, 54], [48, 59, 58, 57, 56, 55, 54]
DARK_PLACES = 12
"""Places across the mouth, from corner to corner, where a seal looks for the mouth's dark past the lines it takes the
lips from (`dark_reach`)."""
DARK_SAMPLES = 64
"""Points read down each of those places, from one lip's thickness (at the mouth's middle) above the upper lip's line
to one lip's thickness below the lower lip's: the dark reached is at most that, and the rest is lip."""
DARKEST_LIP_SHARE = 0.6
"""A mouth shows a dark where its darkest pixels (the 2nd percentile) are under this share of its lips' brightness."""
DARK_PAST_CORNERS = 0.15
"""The share of the mouth's width (between dlib's inner corners) past each inner corner where a seal still closes
the mouth's dark: a broad smile's dark reaches past them."""
LIP_REGAIN = 1.35
"""How many times as thick a seal shows each lip as the smile left it: a smile stretches its lips thin. Of CelebA's
held-out faces, by dlib's landmarks over the mouth's width, closed mouths without a smile have lips 0.126 (upper) and
0.200 (lower) thick, smiles sealed without the regain 0.092 and 0.144 (0.73 and 0.72 of that), and with it
0.098-0.103 and 0.156-0.158; 1.6 gained little more by that measure and looked swollen at a photo's resolution
(docs/results.md)."""
LINE_COLOUR = np.array([(0.75, 0.65, 0.57), (0.80, 0.66, 0.62), (0.83, 0.66, 0.65), (0.80, 0.66, 0.62), (0.75, 0.65, 0.57)])
"""The colour of the line real closed lips meet on over the lips' median colour, per RGB channel, at five places from one
inner corner (dlib's 60) to the other (LINE_PLACES), held past them: darker and warmer than the lips, darkest at the
corners. CelebA's 486 held-out faces with the mouth closed, upscaled twice, the darkest pixel within half a lip's
thickness of dlib's inner lip line (experiments/lip_line.py). A smile sealed without it met on pixels as bright as the
rest of its lips, and the closed mouth read as a doll's (docs/results.md)."""
LINE_PLACES = np.array([0.05, 0.275, 0.5, 0.725, 0.95])
"""Where across the mouth, as a share of the span between dlib's inner corners, LINE_COLOUR was read."""
LINE_WIDTH = 1.2
"""The line sealed lips meet on is this many times the photo's own edge width (`soft_edge`) wide at half its strength, as
real closed lips' lines are on CelebA's faces (1.1-1.35 at half their depth)."""
LINE_TAPER = 0.2
"""The share of the seal's span, at each end, over which its line fades in: cut off where the seal ends, a pale-lipped
mouth's line was a bar with square ends, drawn on (docs/results.md)."""
LINE_EASE = 0.1
"""A pixel takes the line's colour in full where it is this share brighter than the line, and less where it is less: a
mouth's corner that is already darker keeps its own pixels."""
NOSE_BASE, CHIN = 33, 8
MOUTH_INSIDE = np.array([[(0.47, 0.23, 0.14), (0.60, 0.44, 0.42), (0.51, 0.24, 0.15)],
                         [(0.41, 0.19, 0.10), (0.45, 0.26, 0.19), (0.42, 0.16, 0.12)],
                         [(0.37, 0.12, 0.07), (0.42, 0.18, 0.17), (0.41, 0.15, 0.11)],
                         [(0.45, 0.25, 0.21), (0.53, 0.34, 0.33), (0.47, 0.26, 0.23)],
                         [(0.68, 0.52, 0.48), (0.85, 0.69, 0.76), (0.71, 0.53, 0.53)]])
"""The colour of an opening mouth's inside over the lips' mean colour, per RGB channel, in five bands from the upper lip
down by three columns from one corner to the other: the darker quarter of CelebA's real open mouths without a smile, at
each place (experiments/mouth_interior.py). Darkest in the middle and at the corners, where a cavity is deepest; one
flat colour read as a drawn patch (docs/results.md)."""
MOUTH_SOFTNESS = 0.5
"""The share of an opening's half height over which a lip's edge fades into the mouth's dark."""
EDGE_PIXELS = 2
"""Photo pixels, at least, over which a lip's edge fades into the mouth's dark: a photo's own edges are rarely sharper.
At one pixel the dark slit under a smile's teeth was sharper than the photo's edges: the astronaut turned afraid kept
1.18 of the face's Laplacian variance (1.08 at two; docs/results.md)."""
EDGE_PER_BLUR = float(np.sqrt(2 * np.pi))
"""A lip's edge into the dark is this many times the photo's own blur (`edge_blur`) wide, at least: a linear ramp that
wide is as steep as a step blurred by that Gaussian is at its middle. On a soft photo (an upscaled one, or out of
focus) a two-pixel edge was sharper than every edge around it, and the dark read as a patch pasted on (docs/results.md)."""
REBLUR = 1.0
"""Photo pixels: the Gaussian `edge_blur` blurs the mouth again by, to measure how blurred it already is."""
STEEPEST = 0.8
"""`edge_blur` reads the pixels whose gradient is at least this share of the picture's steepest (its 99th percentile):
the middles of its strongest edges, the lips'; a step blurred by 1 to 4 pixels reads 1.3, 2.1, 3.3 and 4.3 there."""


@dataclass
class LipSeal:
    """Closes a parted mouth: above the line the lips meet on, the edit shows the upper lip, below it the
    lower lip and jaw, each moved by a smooth field that fades out at the nose and at the chin. What lay
    between them (teeth, the mouth's dark) is no longer shown. A smooth field cannot do this (it would have
    to fold), and a smile turned sad or neutral keeps its teeth without it."""

    points: np.ndarray  # (68, 2): the face's landmarks in pixels of the aligned crop, as found on it
    amount: float  # 1 closes the mouth; less closes that share of the gap between the lips
    edge: float = 0.0  # photo pixels over which the two lips blend where they meet; the photo's own (`soft_edge`) once placed
    line: np.ndarray | None = None  # (DARK_PLACES, C): the colour of the line the lips meet on, at `dark_places`, once placed; `line_colour`
    above: np.ndarray = dataclass_field(default_factory=lambda: np.zeros(DARK_PLACES))  # crop pixels the mouth's dark reaches past the upper lip's line
    below: np.ndarray = dataclass_field(default_factory=lambda: np.zeros(DARK_PLACES))  # and past the lower lip's, at `dark_places`; `dark_reach`


@dataclass
class MouthOpening:
    """Opens the lips by a seam along the lower lip's inner edge, as a seal closes them: above it the edit shows the
    upper lip moved up, below it the lower lip moved down, each by half of `growth` and fading out at the nose and at the
    chin; what the face showed between its lips (a smile's upper teeth, the mouth's dark) moves up with the upper lip,
    since the upper teeth are fixed to the skull and the jaw carries the lower lip; and what opens between them is an
    open mouth's dark (MOUTH_INSIDE) with the photo's grain. A smooth field that opens the lips stretches the line where
    they meet into vertical streaks, and a seam in the middle of a smile's teeth cuts them in two (docs/results.md)."""

    points: np.ndarray  # (68, 2): the face's landmarks in pixels of the aligned crop, as found on it
    growth: np.ndarray  # (3,): how much further apart, in crop pixels, each facing pair of inner-lip points moves


@dataclass
class OpenedMouth:
    """A `MouthOpening` placed where the field puts the lips, with the colours of the mouth's dark."""

    points: np.ndarray
    growth: np.ndarray
    dark: np.ndarray  # (5, 3, C): MOUTH_INSIDE's places in the photo's colours
    grain: np.ndarray  # (C,): the spread of the photo's fine detail around the mouth, per channel
    edge: float  # photo pixels over which a lip's edge fades into the dark, at least


def moved_points(field: np.ndarray, points: np.ndarray, size: int) -> np.ndarray:
    """Where a backward field (2, g, g) over a crop of `size` puts points (n, 2): the points p with p + field(p)
    on them, by fixed-point iteration (the fields are smooth and much shorter than their own scale)."""
    moved = points.copy()
    for _ in range(20):
        moved = points - sample_field(field, moved[:, :1], moved[:, 1:], size)[:, 0]
    return moved


def lip_edges(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the seam takes the upper and the lower lip from, (5, 2) each, from one mouth corner to the other."""
    upper = points[OUTER_UPPER_LIP] + UPPER_LIP_SHARE * (points[UPPER_INNER_LIP] - points[OUTER_UPPER_LIP])
    upper[[0, -1]] = points[[60, 64]]
    lower = points[LOWER_INNER_LIP].copy()
    lower[1:-1, 1] += np.minimum(np.maximum(lower[1:-1, 1] - upper[1:-1, 1], 0), SEAL_OVERSHOOT)
    return upper, lower


def placed(seal: LipSeal, field: np.ndarray, photo: np.ndarray, alignment: Alignment) -> LipSeal:
    """The seal with its lips where `field` (as it is applied: on its grid) puts them in the aligned crop, so that the
    seam takes exactly the lips' pixels once the field has moved the face, and with the photo's own edge there."""
    mouth, corner = mouth_crop(photo, alignment.to_photo(seal.points))
    if not mouth.size:
        return LipSeal(moved_points(field, seal.points, alignment.size), seal.amount, EDGE_PIXELS)
    above, below = dark_reach(seal.points, mouth, corner, alignment)
    line = line_colour(seal.points, mouth, corner, alignment)
    return LipSeal(moved_points(field, seal.points, alignment.size), seal.amount, soft_edge(mouth), line, above, below)


def line_colour(points: np.ndarray, mouth: np.ndarray, corner: np.ndarray, alignment: Alignment) -> np.ndarray | None:
    """The colour of the line a seal's lips meet on (DARK_PLACES, C), at `dark_places`: LINE_COLOUR times the median colour
    of the photo's lips, read on its box around them (`mouth_crop`); grey where the photo is. None where the photo shows
    none of the lips."""
    lips, _ = lip_masks(alignment.to_photo(points) - corner, mouth.shape[:2])
    if not lips.any():
        return None
    along = (dark_places(points)[1:-1] - points[60, 0]) / max(points[64, 0] - points[60, 0], 1e-6)
    share = np.stack([np.interp(along, LINE_PLACES, channel) for channel in LINE_COLOUR.T], -1)
    colour = (share * np.median(mouth[lips], 0)).astype(np.float32)
    return greyed(colour) if is_grey(mouth) else colour


def is_grey(picture: np.ndarray) -> bool:
    """Whether a picture (H, W, C) has no colour: what a seam draws on it stays grey."""
    return bool((picture == picture[..., :1]).all())


def greyed(colours: np.ndarray) -> np.ndarray:
    """Colours (..., 3 float32) with their brightness (as OpenCV weighs RGB) in every channel: as dark as they are."""
    import cv2

    grey = cv2.cvtColor(np.ascontiguousarray(colours.reshape(-1, 1, 3)), cv2.COLOR_RGB2GRAY)
    return np.repeat(grey.reshape(*colours.shape[:-1], 1), 3, -1)


def dark_reach(points: np.ndarray, mouth: np.ndarray, corner: np.ndarray, alignment: Alignment) -> tuple[np.ndarray, np.ndarray]:
    """How far, in crop pixels, the mouth's dark reaches above the line a seal takes the upper lip from and below the
    lower lip's (`lip_edges`), at DARK_PLACES places across the mouth (`dark_places`), read on the photo's box around
    the lips (`mouth_crop`: float32 (H, W, C), its top left corner at `corner`). Near a broad smile's corners the dark
    between its teeth and its lips lies past dlib's inner lips, and past its inner corners, and a seal that took the
    lips from those left it at both ends of the closed lips as two dark marks (docs/results.md). A pixel is dark where
    it is below the middle of the lips' brightness and the mouth's darkest; the dark reached is the run of dark pixels
    that meets the seal's lines, within a lip's thickness (DARK_SAMPLES). Zero where the mouth shows no dark."""
    import cv2

    upper, lower = lip_edges(points)
    across = dark_places(points)[1:-1]
    top, bottom = lip_curve(upper, across), lip_curve(lower, across)
    middle = np.array([(points[60, 0] + points[64, 0]) / 2])
    upper_lip = (lip_curve(upper, middle) - lip_curve(points[UPPER_LIP_OUTLINE], middle))[0]
    lower_lip = (lip_curve(points[LOWER_LIP_OUTLINE], middle) - lip_curve(lower, middle))[0]
    none = np.zeros(DARK_PLACES), np.zeros(DARK_PLACES)
    if min(upper_lip, lower_lip) <= 0:
        return none
    down = (top - upper_lip) + np.linspace(0, 1, DARK_SAMPLES)[:, None] * (bottom - top + upper_lip + lower_lip)  # (DARK_SAMPLES, DARK_PLACES)
    on_photo = alignment.to_photo(np.stack([np.broadcast_to(across, down.shape), down], -1)) - corner
    grey = np.ascontiguousarray(mouth.mean(-1))
    profile = cv2.remap(grey, *on_photo.transpose(2, 0, 1).astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    lips, _ = lip_masks(alignment.to_photo(points) - corner, grey.shape)
    if not lips.any():
        return none
    lip_level, dark_level = np.median(grey[lips]), np.percentile(profile, 2)
    if dark_level >= DARKEST_LIP_SHARE * lip_level:
        return none
    dark = profile < (lip_level + dark_level) / 2
    above, below = none
    for place in range(DARK_PLACES):
        near = np.nonzero(dark[:, place] & (down[:, place] >= top[place] - SEAL_OVERSHOOT) & (down[:, place] <= bottom[place] + SEAL_OVERSHOOT))[0]
        if not len(near):
            continue
        first, last = near[0], near[-1]
        while first > 0 and dark[first - 1, place]:
            first -= 1
        while last < DARK_SAMPLES - 1 and dark[last + 1, place]:
            last += 1
        above[place], below[place] = max(top[place] - down[first, place], 0), max(down[last, place] - bottom[place], 0)
    return above, below


def dark_places(points: np.ndarray) -> np.ndarray:
    """Where across the mouth (crop x) a seal looks for its dark (DARK_PLACES of them), with the two ends where the
    seal stops: DARK_PAST_CORNERS of the mouth's width past each inner corner (dlib's 60 and 64)."""
    left, right = points[60, 0], points[64, 0]
    past = DARK_PAST_CORNERS * (right - left)
    return left - past + np.concatenate([[0], (np.arange(DARK_PLACES) + 0.5) / DARK_PLACES, [1]]) * (right - left + 2 * past)


def seal_moves(seal: LipSeal, crop_x: np.ndarray, crop_y: np.ndarray, pixel: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The backward moves (..., 2), in crop pixels, that close the mouth of a seal `placed` on the moved face, at
    crop points (zero where the lips touch); the moves from the lip on the other side of the line they meet on;
    how much of that other lip each point shows (...): from a half on the line to none `seal.edge` photo pixels
    (`pixel` crop pixels each) across it; how much each point takes of the line's colour where it is brighter (...):
    all of it on the line, a raised cosine LINE_WIDTH times `seal.edge` wide at half of it; and that colour (..., C).
    Taken whole from one lip or the other, the line was a crisp, stepped stroke, sharper than any edge of a soft photo
    (docs/results.md). The lips are taken from past the mouth's dark (`seal.above`, `seal.below`), and the lines
    between the landmarks are curves (`lip_curve`): straight pieces left kinks in the closed lips. Each lip shows up to
    LIP_REGAIN times as thick as the smile left it (`thickened`): kept as thin, the closed mouth had almost no upper lip,
    and the skin above it read as a pale patch. The line keeps the closed mouth from reading as a doll's."""
    points = seal.points
    upper, lower = lip_edges(points)
    places = dark_places(points)
    top = lip_curve(upper, crop_x) - np.interp(crop_x, places, np.concatenate([[0], seal.above, [0]]))
    bottom = lip_curve(lower, crop_x) + np.interp(crop_x, places, np.concatenate([[0], seal.below, [0]]))
    between = (crop_x > places[0]) & (crop_x < places[-1])
    gap = np.where(between, np.maximum(bottom - top, 0), 0)
    line = top + gap / 2
    offset = crop_y - line
    up, down = np.maximum(line - points[NOSE_BASE, 1], 1e-6), np.maximum(points[CHIN, 1] - line, 1e-6)
    eased = lambda reach: 0.5 + 0.5 * np.cos(np.pi * np.clip(np.abs(offset) / reach, 0, 1))  # noqa: E731
    along = np.clip((crop_x - places[0]) / max(places[-1] - places[0], 1e-6), 0, 1)
    regain = 1 + (LIP_REGAIN - 1) * seal.amount * np.sin(np.pi * along)
    upper_lip = np.clip(top - lip_curve(points[UPPER_LIP_OUTLINE], crop_x), 0, up / (2 * regain))
    lower_lip = np.clip(lip_curve(points[LOWER_LIP_OUTLINE], crop_x) - bottom, 0, down / (2 * regain))
    from_above = -seal.amount * gap / 2 * eased(up) + thickened(-offset, upper_lip, regain, up)
    from_below = seal.amount * gap / 2 * eased(down) - thickened(offset, lower_lip, regain, down)
    above = offset < 0
    moves, other = np.zeros((*crop_x.shape, 2), np.float32), np.zeros((*crop_x.shape, 2), np.float32)
    moves[..., 1], other[..., 1] = np.where(above, from_above, from_below), np.where(above, from_below, from_above)
    share = np.clip(0.5 - np.abs(offset) / max(seal.edge * pixel, 1e-6), 0, 0.5).astype(np.float32)
    if seal.line is None:
        return moves, other, np.where(gap > 0, share, 0), np.zeros(crop_x.shape, np.float32), np.zeros((*crop_x.shape, 1), np.float32)
    reach = max(LINE_WIDTH * seal.edge * pixel, 1e-6)
    tapered = 0.5 - 0.5 * np.cos(np.pi * np.clip(np.minimum(along, 1 - along) / LINE_TAPER, 0, 1))
    line = seal.amount * tapered * (0.5 + 0.5 * np.cos(np.pi * np.clip(np.abs(offset) / reach, 0, 1)))
    colour = np.stack([np.interp(crop_x, places[1:-1], channel) for channel in seal.line.T], -1)
    return moves, other, np.where(gap > 0, share, 0), np.where(gap > 0, line, 0).astype(np.float32), colour.astype(np.float32)


def thickened(distance: np.ndarray, lip: np.ndarray, regain: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """How much nearer the seal's line a point `distance` from it (crop pixels, on one lip's side; negative across the
    line) takes its pixel, so that a lip `lip` thick shows `regain` times as thick: by a share of its distance up to
    the thickened lip's edge, then less and less, to none at `reach` (the nose or the chin), so the skin between gives
    way and nothing is cut."""
    edge = regain * lip
    near = distance * (1 - 1 / regain)
    far = (regain - 1) * lip * np.clip((reach - distance) / (reach - edge), 0, 1)
    return np.where(distance <= edge, near, far)


def lip_curve(points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The natural cubic spline through points (n, 2) (one lip edge, corner to corner) read at x, held at the corners'
    height past them: a lip is a curve, and at a photo's resolution straight pieces between landmarks show."""
    knots_x, knots_y = points[np.argsort(points[:, 0])].T
    steps = np.maximum(np.diff(knots_x), 1e-3)
    count = len(knots_x)
    system, slopes = np.eye(count), np.zeros(count)
    for i in range(1, count - 1):
        system[i, i - 1 : i + 2] = steps[i - 1], 2 * (steps[i - 1] + steps[i]), steps[i]
        slopes[i] = 6 * ((knots_y[i + 1] - knots_y[i]) / steps[i] - (knots_y[i] - knots_y[i - 1]) / steps[i - 1])
    bends = np.linalg.solve(system, slopes)
    x = np.clip(x, knots_x[0], knots_x[-1])
    piece = np.clip(np.searchsorted(knots_x, x) - 1, 0, count - 2)
    after = (x - knots_x[piece]) / steps[piece]
    before = 1 - after
    return (before * knots_y[piece] + after * knots_y[piece + 1]
            + ((before**3 - before) * bends[piece] + (after**3 - after) * bends[piece + 1]) * steps[piece] ** 2 / 6)


def lip_masks(points: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Where a picture of `shape` shows the lips (between dlib's outer and inner lip lines, points (68, 2) in its
    pixels) and where the mouth's inside, as boolean masks."""
    import cv2

    outer, inner = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
    cv2.fillPoly(outer, [np.round(points[48:60]).astype(np.int32)], 1)
    cv2.fillPoly(inner, [np.round(points[60:68]).astype(np.int32)], 1)
    return (outer == 1) & (inner == 0), inner == 1


def opened(opening: MouthOpening, field: np.ndarray, photo: np.ndarray, alignment: Alignment) -> OpenedMouth | None:
    """The opening placed where `field` puts the lips, with its dark (MOUTH_INSIDE times the lips' mean colour in the
    photo) and the spread of the photo's fine detail around the mouth, so the dark has the photo's grain; None where
    the photo shows none of the lips."""
    import cv2

    on_photo = alignment.to_photo(opening.points)
    mouth, corner = mouth_crop(photo, on_photo)
    if mouth.size == 0:
        return None
    lips, _ = lip_masks(on_photo - corner, mouth.shape[:2])
    if not lips.any():
        return None
    colour = mouth[lips].mean(0)
    detail = mouth - cv2.GaussianBlur(mouth, (0, 0), DETAIL_SIGMA).reshape(mouth.shape)
    grain = 1.4826 * np.median(np.abs(detail.reshape(-1, photo.shape[-1])), 0)
    dark = (MOUTH_INSIDE * colour).astype(np.float32)
    if is_grey(mouth):
        dark, grain = greyed(dark), np.full(3, grain.mean())
    return OpenedMouth(moved_points(field, opening.points, alignment.size), opening.growth, dark, grain, soft_edge(mouth))


def mouth_crop(photo: np.ndarray, on_photo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The photo's box around the lips (landmarks (68, 2) in photo pixels), float32 (H, W, C), empty where the photo
    shows none of it, and its top left corner (2,)."""
    left, top = np.maximum(np.floor(on_photo[48:68].min(0)).astype(int) - 1, 0)
    right, bottom = np.ceil(on_photo[48:68].max(0)).astype(int) + 2
    return np.ascontiguousarray(photo[top:bottom, left:right], np.float32), np.array([left, top])


def soft_edge(mouth: np.ndarray) -> float:
    """Photo pixels over which an edge the edit makes at the mouth (float32 (H, W, C)) fades: as soft as the photo's own
    edges there (`edge_blur`), and never under EDGE_PIXELS."""
    return max(EDGE_PIXELS, EDGE_PER_BLUR * edge_blur(mouth))


def edge_blur(picture: np.ndarray) -> float:
    """How blurred a picture (H, W, C float32) already is at its strongest edges: the width, in pixels, of the Gaussian
    that blurs a sharp step as much. Blurring a step of blur s again by REBLUR lowers its steepest gradient by
    s / sqrt(s^2 + REBLUR^2), so that ratio, read where the picture is STEEPEST, gives s (Zhuo and Sim 2011).
    A sharp step reads 0.8, since a gradient is taken over three pixels."""
    import cv2

    grey = picture.mean(-1)
    steepness = lambda image: np.hypot(cv2.Sobel(image, cv2.CV_32F, 1, 0), cv2.Sobel(image, cv2.CV_32F, 0, 1))  # noqa: E731
    sharp, again = steepness(grey), steepness(cv2.GaussianBlur(grey, (0, 0), REBLUR))
    steepest = sharp >= STEEPEST * np.quantile(sharp, 0.99)
    ratio = np.clip(again[steepest] / np.maximum(sharp[steepest], 1e-6), 0, 0.99)
    return float(np.median(REBLUR * ratio / np.sqrt(1 - ratio * ratio)))


def inside_colour(dark: np.ndarray, down: np.ndarray, across: np.ndarray) -> np.ndarray:
    """The mouth's dark (bands, columns, C) read bilinearly between its places' centres at points (...) `down` the
    opening (0 at the upper lip, 1 at the lower) and `across` it (0 and 1 at the corners), (..., C); held past the
    outer centres."""
    bands, columns = dark.shape[:2]
    row = np.clip(down * bands - 0.5, 0, bands - 1)
    column = np.clip(across * columns - 0.5, 0, columns - 1)
    top, left = np.minimum(row.astype(int), bands - 2), np.minimum(column.astype(int), columns - 2)
    below, right = (row - top)[..., None], (column - left)[..., None]
    return ((1 - below) * ((1 - right) * dark[top, left] + right * dark[top, left + 1])
            + below * ((1 - right) * dark[top + 1, left] + right * dark[top + 1, left + 1]))


def opening_moves(mouth: OpenedMouth, crop_x: np.ndarray, crop_y: np.ndarray,
                  pixel: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The backward moves (..., 2), in crop pixels, that open the mouth of an opening placed on the moved face, at
    crop points; how much of each point is the mouth's dark (...), with an edge at least `mouth.edge` photo pixels
    (`pixel` crop pixels each) wide; and the dark's colour there (..., C)."""
    points = mouth.points
    line = lip_curve(points[LOWER_INNER_LIP], crop_x)
    facing = (points[UPPER_INNER_LIP[1:4]] + points[LOWER_INNER_LIP[1:4]]) / 2
    half = lip_curve(np.concatenate([[[points[60, 0], 0]], np.stack([facing[:, 0], mouth.growth / 2], -1), [[points[64, 0], 0]]]), crop_x)
    half = np.where((crop_x > points[60, 0]) & (crop_x < points[64, 0]), np.maximum(half, 0), 0)
    offset = crop_y - line
    above = offset < 0
    own = np.where(above, np.maximum(line - lip_curve(points[UPPER_INNER_LIP], crop_x), 0), 0)
    distance = np.abs(offset)
    reach = np.where(above, line - points[NOSE_BASE, 1], points[CHIN, 1] - line) - half - own
    ease = 0.5 + 0.5 * np.cos(np.pi * np.clip((distance - half - own) / np.maximum(reach, 1e-6), 0, 1))
    pulled = np.where(distance < half, distance, half * np.where(distance < half + own, 1, ease))
    moves = np.zeros((*crop_x.shape, 2), np.float32)
    moves[..., 1] = np.where(above, pulled, -pulled)
    dark = np.clip((half - distance) / np.maximum(mouth.edge * pixel, MOUTH_SOFTNESS * half), 0, 1).astype(np.float32)
    across = (crop_x - points[60, 0]) / max(points[64, 0] - points[60, 0], 1e-6)
    colour = inside_colour(mouth.dark, (offset + half) / np.maximum(2 * half, 1e-6), across)
    return moves, dark, colour.astype(np.float32)


def region_box(alignment: Alignment) -> Box:
    """The square of the photo that holds every point a field may move."""
    scale = alignment.size / FRAME
    half_x, half_y = FACE_AXES[0] * FADE_REACH * scale, FACE_AXES[1] * FADE_REACH * scale
    centre_x, centre_y = (FACE_CENTRE[0] + 0.5) * scale - 0.5, (FACE_CENTRE[1] + 0.5) * scale - 0.5
    corners = alignment.to_photo(np.array([[centre_x + sx * half_x, centre_y + sy * half_y] for sx in (-1, 1) for sy in (-1, 1)]))
    left, top = np.floor(corners.min(0)).astype(int)
    right, bottom = np.ceil(corners.max(0)).astype(int)
    return Box(int(left), int(top), int(max(right - left, bottom - top)) + 1)


def photo_region(alignment: Alignment, height: int, width: int) -> np.ndarray:
    """`face_region` at every pixel of a photo (height, width): where an edit of this face may change it."""
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    crop = alignment.to_crop(np.stack([xs, ys], -1))
    return face_region(crop[..., 0], crop[..., 1], alignment.size)


def spline_kernel(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The thin-plate kernel r^2 log r between every point (..., m, 2) and centre (..., n, 2), (..., m, n); in
    place, since each fresh array costs more than its arithmetic."""
    squared = points[..., :, None, 0] - centres[..., None, :, 0]
    squared *= squared
    down = points[..., :, None, 1] - centres[..., None, :, 1]
    down *= down
    squared += down
    kernel = np.log(np.maximum(squared, 1e-20, out=down), out=down)
    squared *= 0.5
    kernel *= squared
    return kernel


def thin_plate_field(source: np.ndarray, target: np.ndarray, size: int, grid: int, smoothing: float = 1e-3) -> np.ndarray:
    """The backward field (..., 2, grid, grid), in pixels of a crop of `size`, of the thin-plate spline that
    takes points `target` (..., n, 2) back to `source` (..., n, 2): the content at `source` moves to `target`.
    A stack of splines is solved at once (the geometry engine's seven expressions of a face)."""
    count, stack = target.shape[-2], target.shape[:-2]
    affine = np.concatenate([np.ones((*stack, count, 1)), target], -1)
    system = np.zeros((*stack, count + 3, count + 3))
    system[..., :count, :count] = spline_kernel(target, target) + smoothing * np.eye(count)
    system[..., :count, count:], system[..., count:, :count] = affine, np.swapaxes(affine, -1, -2)
    values = np.zeros((*stack, count + 3, 2))
    values[..., :count, :] = source - target
    weights = np.linalg.solve(system, values)
    centres = (np.arange(grid) + 0.5) * size / grid - 0.5
    points = np.stack(np.meshgrid(centres, centres), -1).reshape(-1, 2)
    affine_part = np.hstack([np.ones((len(points), 1)), points])
    fields = np.empty((*stack, 2, grid * grid), np.float32)
    for spline in np.ndindex(stack):  # one spline at a time: its kernel on the grid (0.4 MB at grid 24) stays in the cache
        fields[spline] = (spline_kernel(points, target[spline]) @ weights[spline][:count] + affine_part @ weights[spline][count:]).T
    return fields.reshape(*stack, 2, grid, grid)


def area_ratios(field: np.ndarray, size: int, shares: np.ndarray) -> np.ndarray:
    """The determinant of the map x -> x + share * field(x) for a backward field (..., 2, g, g) over a crop of `size`, at
    each of `shares` (S,) and grid point, by central differences, (..., S, g, g): how much area each patch of the face
    takes from, below zero where the map folds."""
    step = size / field.shape[-1]
    across, down = field[..., 0:1, :, :], field[..., 1:2, :, :]
    dx_dx, dx_dy = np.gradient(across, step, axis=-1), np.gradient(across, step, axis=-2)
    dy_dx, dy_dy = np.gradient(down, step, axis=-1), np.gradient(down, step, axis=-2)
    shares = np.asarray(shares, np.float64)[:, None, None]
    return (1 + shares * dx_dx) * (1 + shares * dy_dy) - shares * shares * dx_dy * dy_dx


def unfolded_share(field: np.ndarray, size: int, floor: float) -> np.ndarray:
    """The largest share of a backward field (2, g, g) over a crop of `size`, in steps of 1/SHARE_STEPS, that neither it
    nor any smaller share stretches a patch of the face to more than 1/floor times its area, or folds it over itself:
    `area_ratios` stays at `floor` or above everywhere. Any strength up to the share is then as safe. Of a stack of
    fields (..., 2, g, g), each one's, (...): an engine's six at once take two thirds of the time they take one by one."""
    safe = (area_ratios(field, size, np.arange(1, SHARE_STEPS + 1) / SHARE_STEPS) >= floor).all(axis=(-2, -1))
    return np.where(safe.all(-1), SHARE_STEPS, np.argmin(safe, -1)) / SHARE_STEPS


def sample_field(field: np.ndarray, points_x: np.ndarray, points_y: np.ndarray, size: int) -> np.ndarray:
    """The field (2, g, g) over a crop of `size`, read at crop points (bilinear), (..., 2); past the crop, its
    edge value fades linearly to zero over FIELD_FADE frame pixels."""
    import cv2

    grid = field.shape[1]
    u = ((points_x + 0.5) * grid / size - 0.5).astype(np.float32)
    v = ((points_y + 0.5) * grid / size - 0.5).astype(np.float32)
    values = np.stack([cv2.remap(channel, u, v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE) for channel in field], -1)
    past_x = np.maximum(np.maximum(-0.5 - points_x, points_x - (size - 0.5)), 0)
    past_y = np.maximum(np.maximum(-0.5 - points_y, points_y - (size - 0.5)), 0)
    fade = np.clip(1 - np.hypot(past_x, past_y) * (FRAME / size / FIELD_FADE), 0, 1).astype(np.float32)
    return values * fade[..., None]


def apply_field(photo: np.ndarray, alignment: Alignment, field: np.ndarray, mouth: LipSeal | MouthOpening | None = None) -> np.ndarray:
    """A copy of the photo (H, W, C uint8) with the face's pixels moved by `field` (2, g, g, in pixels of the
    aligned crop), and its mouth then closed by a seal or opened, at the photo's resolution, faded out by
    `face_region`. Pixels the field does not move keep their exact values; nothing outside the face changes.
    A large face is moved STRIP rows at a time: the same values, with working arrays that stay small."""
    height, width = photo.shape[:2]
    box = region_box(alignment)
    left, top = max(box.left, 0), max(box.top, 0)
    right, bottom = min(box.left + box.size, width), min(box.top + box.size, height)
    result = photo.copy()
    if right <= left or (mouth is None and not field.any()):  # off the photo, or nothing to move (the face's own class)
        return result
    if isinstance(mouth, LipSeal):
        mouth = placed(mouth, field, photo, alignment)
    elif isinstance(mouth, MouthOpening):
        mouth = opened(mouth, field, photo, alignment)
    for first in range(top, bottom, STRIP):
        last = min(first + STRIP, bottom)
        result[first:last, left:right] = moved_rows(photo, alignment, field, mouth, left, right, first, last)
    return result


def moved_rows(photo: np.ndarray, alignment: Alignment, field: np.ndarray, mouth: LipSeal | OpenedMouth | None,
               left: int, right: int, top: int, bottom: int) -> np.ndarray:
    """`apply_field`'s result in the photo's rows top to bottom, columns left to right (`mouth` already placed)."""
    xs, ys = np.meshgrid(np.arange(left, right, dtype=np.float64), np.arange(top, bottom, dtype=np.float64))
    crop_points = alignment.to_crop(np.stack([xs, ys], -1))
    cx, cy = crop_points[..., 0].astype(np.float32), crop_points[..., 1].astype(np.float32)
    moves, dark = np.zeros((*cx.shape, 2), np.float32), np.zeros(cx.shape, np.float32)
    blend = line = np.zeros(cx.shape, np.float32)  # a seal's: how much each point shows of the lip across its line, and of its line
    if isinstance(mouth, LipSeal):
        moves, across, blend, line, tone = seal_moves(mouth, cx, cy, alignment.scale)
    elif isinstance(mouth, OpenedMouth):
        points = mouth.points  # the opening moves nothing outside its corners, its nose's base and its chin
        near = (cx > points[60, 0]) & (cx < points[64, 0]) & (cy > points[NOSE_BASE, 1]) & (cy < points[CHIN, 1])
        colour = np.zeros((*cx.shape, photo.shape[-1]), np.float32)  # the dark's, where `dark` says how much of it shows
        moves[near], dark[near], colour[near] = opening_moves(mouth, cx[near], cy[near], alignment.scale)
    region = face_region(cx, cy, alignment.size)

    def sources(crop_moves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each photo pixel reads from, x and y, given its move on the crop before the field."""
        moved_by = crop_moves + sample_field(field, cx + crop_moves[..., 0], cy + crop_moves[..., 1], alignment.size)
        on_photo = (moved_by * region[..., None]) @ alignment.inverse[:, :2].T
        return (xs + on_photo[..., 0]).astype(np.float32), (ys + on_photo[..., 1]).astype(np.float32)

    source_x, source_y = sources(moves)
    dark = dark * region
    moved = resample(photo, source_x, source_y).reshape(bottom - top, right - left, -1)
    line = line * region
    if blend.any() or line.any():
        lip = resample(photo, *sources(across)).reshape(moved.shape).astype(np.float32)
        moved = moved + (blend * region)[..., None] * (lip - moved)
        brighter = np.clip((moved.mean(-1) - tone.mean(-1)) / np.maximum(LINE_EASE * tone.mean(-1), 1e-6), 0, 1)
        moved = np.clip(moved + (line * brighter)[..., None] * (tone - moved) + 0.5, 0, 255).astype(np.uint8)
    if dark.any():
        noise = np.stack([np.random.default_rng(row).standard_normal(right - left, np.float32) for row in range(top, bottom)])  # a row's own, in any strip
        grain = noise[..., None] * mouth.grain  # one field for every channel: mostly brightness, as after JPEG
        moved = np.clip(moved + dark[..., None] * (colour + grain - moved) + 0.5, 0, 255).astype(np.uint8)
    rows = photo[top:bottom, left:right].copy()
    changed = (np.maximum(np.abs(source_x - xs), np.abs(source_y - ys)) > STILL) | (dark > 0) | (line > 0)
    rows[changed] = moved.reshape(rows.shape)[changed]
    return rows


def resample(photo: np.ndarray, source_x: np.ndarray, source_y: np.ndarray) -> np.ndarray:
    """The photo read at the source points: its smooth part interpolated, its fine detail moved by whole pixels.
    Only the window of the photo the points read from is split (REACH pixels around them): the same values as
    splitting the whole photo, in a fraction of the time on a large photo (a 16-megapixel one: 0.1 s an
    expression instead of 1.1)."""
    import cv2

    height, width = photo.shape[:2]
    # An even corner: OpenCV rounds a point halfway between two pixels to the even one, so an odd shift of the
    # points would move some of them by a pixel.
    left = int(np.clip(np.floor(source_x.min()) - REACH, 0, width - 1)) // 2 * 2
    top = int(np.clip(np.floor(source_y.min()) - REACH, 0, height - 1)) // 2 * 2
    right = int(np.clip(np.ceil(source_x.max()) + REACH + 1, left + 1, width))
    bottom = int(np.clip(np.ceil(source_y.max()) + REACH + 1, top + 1, height))
    picture = photo[top:bottom, left:right].astype(np.float32)
    smooth = cv2.GaussianBlur(picture, (0, 0), DETAIL_SIGMA)
    detail = picture - smooth
    x, y = source_x - np.float32(left), source_y - np.float32(top)
    moved = (cv2.remap(smooth, x, y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
             + cv2.remap(detail, x, y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE))
    return np.clip(moved + 0.5, 0, 255).astype(np.uint8)
