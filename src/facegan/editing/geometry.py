"""The geometry engine: each expression's average shape of the face, learned from FER2013's landmarks,
reached by a smooth warp of the photo's own pixels. No network is trained; it is the baseline every
learned engine is measured against, and the teacher of the learned warp.

`fit_geometry` finds dlib's 68 landmarks on every training face, removes each face's pose and size
(a similarity fit of the points an expression barely moves: the nose and the eye corners) and keeps,
per expression, the mean shape, its main modes of variation, and its typical shape: the mean of the shapes a
linear classifier of shapes finds most typical of it; and the mean and typical shapes of its faces with closed
lips. A face is edited from the mean shape of the expression the project's classifier sees in it to the target's
typical shape: the mouth corners, lips, jaw, eyelids and brows move, carried by a thin-plate spline that is still
at the face's border, and the photo is resampled by it at its own resolution (facegan.editing.warp). Turned to an
expression drawn with the mouth closed (sad, neutral), parted lips are also sealed (warp.LipSeal), where the
photo resolves them and the mouth is not laughing, and its corners lose the smile's curve; turned to one whose open
mouths are dark (fear, surprise), lips the move parts (and a smile's, which opens as a neutral face's would) are
opened by a seam (warp.MouthOpening) that shows the mouth's dark between them, and for the others they keep their
gap and the jaw its height; closed lips turned happy, sad or neutral stay closed and move as FER2013's faces with
closed lips do. The inner lips are never moved past each other, behind glasses the brows and eyes stay still, and
no move folds the face or stretches a patch of it tenfold (`STRETCH_FLOOR`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from facegan.editing.align import FRAME, Alignment, aligned_crop, similarity
from facegan.editing.field_engine import FieldEngine, Mouths, field_config, mouth_at
from facegan.editing.glasses import GlassesDetector, load_glasses
from facegan.editing.landmarks import cropped_landmarks
from facegan.editing.warp import (LOWER_INNER_LIP, SEAL_OVERSHOOT, UPPER_INNER_LIP, LipSeal, MouthOpening, lip_edges, lip_masks, mouth_crop,
                                  thin_plate_field, unfolded_share)
from facegan.errors import FaceganError
from facegan.weights import read_tagged_arrays, save_tagged

if TYPE_CHECKING:
    import torch

    from facegan.data.images import ImageSet

SHIPPED = Path(__file__).parent / "weights" / "fer2013_geometry.pt"
KIND = "facegan-geometry"
RIGID = (*range(27, 36), 36, 39, 42, 45)
"""The nose and the eye corners: the landmarks each face's pose is fitted on."""
MODES = 4
GRID = 24
"""The field's grid over the 48-pixel frame: one value per 2 pixels, smooth by construction."""
LANDMARK_SIDE = 192
"""The aligned face's side where its 68 landmarks are found: dlib's predictor wants faces of 80 pixels or more."""
GAIN = 1.0
"""Strength 1 moves the landmarks by this many times the difference of the two expressions' shapes."""
TYPICAL_SHARE = 0.25
"""Each expression's typical shape is the mean of this share of its training shapes, those a softmax regression of the
expressions on pose-free shapes gives the highest probability of it. The mean of all of them averages strong and faint
examples (a surprise with the mouth open and one with it closed average to a half-open mouth), so moves to it were
mild; the mean of the top tenth tears mouths and stretches faces (docs/results.md)."""
LOWER_LIPS, JAW = [*range(55, 60), 65, 66, 67], list(range(17))
UPPER_LIP = [*range(49, 54), 61, 62, 63]
CLOSED_GAP = 0.08
"""Eye distances: an expression whose mean shape parts the inner lips less than this is drawn with the mouth closed."""
LIP_COLOURED_INSIDE = 1.1
"""What dlib reads as parted lips is lip, not teeth or the mouth's dark, where the median colourfulness (RGB maximum
less minimum) between its inner lips is this many times the lips' or more: a lipstick's sheen or the lower lip's
highlight between closed lips is read as a gap. Of CelebA's held-out mouths read as parted, 4 of 464 labelled open are
above it and 16 of 157 labelled closed; sealed, such lips were closed away to a thin line (docs/results.md)."""
WIDEST_SEAL = 0.25
"""Eye distances: lips parted wider than this (a laugh, a shout) are not sealed; brought that far together, the lips'
own pixels stretch into grimaces (docs/results.md)."""
SEAM_RESOLUTION = 1.5
"""Photo pixels per pixel of the 48-pixel frame below which a mouth is neither sealed nor opened by a seam: on FER2013's
own faces dlib's lip landmarks are too coarse for it, so a seal leaves bits of teeth and an opening doubles the lip
line (docs/results.md); there a smooth field's stretch of the lip line is a pixel or two, not streaks."""
GLASSES_RESOLUTION = 1.5
"""Photo pixels per pixel of the 48-pixel frame below which glasses are not looked for: the detector, trained on
CelebA's faces at about 2, takes a quarter of FER2013's own test faces for faces with glasses, half of them wrongly
(docs/results.md)."""
FACING_INNER_LIPS = tuple(zip(UPPER_INNER_LIP[1:4], LOWER_INNER_LIP[1:4]))
"""dlib's upper and lower inner-lip points that face each other across the mouth: (61, 67), (62, 66), (63, 65)."""
CLOSEST_LIPS = 0.25
"""Frame pixels: a move that would bring facing inner-lip points closer than this, or past each other, gives both their
mean move instead (docs/results.md)."""
OPENING = 0.1
"""Frame pixels: lips a move parts by less than this everywhere are left to the field."""
DARK_MOUTHS = ("fear", "surprise")
"""The expressions whose open mouths in FER2013 are mostly dark: the inside over the lips' grey has a median of 0.46
(surprise) and 0.77 (fear), against 1.11 for happy's teeth and 0.83-0.90 for the others (experiments/open_mouths.py)."""
OPENS_AS_NEUTRAL = ("happy",)
"""The expressions whose parted lips show teeth, not an open jaw: FER2013's mean happy mouth parts its inner lips as
far as the mean surprised one, so the move between them opens nothing, and a smile turned to surprise kept its
teeth in a smile. Turned to a dark mouth, a face showing one opens as far as a neutral face would. Turned to one of
them, a face whose lips are closed keeps them closed where the photo resolves them (the teeth cannot be made by a
warp), and moves as FER2013's faces with closed lips do (`Geometry.closed_move`), as it does to the expressions drawn
with the mouth closed: the typical smile, mostly of faces showing teeth, widens the mouth by 0.31 eye distances and
lifts its corners by 0.14, the typical closed-lip smile by 0.20 and 0.15, and kept closed the wider one stretched the
lips into a flat line; turned neutral, a closed-lip smile lost a smile showing teeth, and its lower lip was squeezed
thin under corners dropped into a frown (docs/results.md)."""
TURN_FULL, TURN_NONE = 0.5, 0.85
"""How far a face may be turned from the camera (`turn`: 0 facing it, 1 in profile) and still get the whole move, and
from where on it gets none, falling linearly between. The moves are FER2013's means over faces mostly turned less
(their median turn is 0.18, their 90th percentile 0.56); on a face turned further they stretch the near cheek into the
nose and open the mouth across it, and its seams cut the lips (docs/results.md)."""
STRETCH_FLOOR = 0.1
"""A move that would stretch a patch of the face to more than 1/STRETCH_FLOOR times its area, or fold it over itself,
gets the largest share of it that does not (`warp.unfolded_share`). The mean moves fold where a face's own landmarks
lie close together: on 6% of FER2013's test faces turned to surprise, at a turned face's mouth corner, and where a long
chin is moved down onto the frame's still border. At 0.25 a quarter of the smiles are weakened as well, to no
visible gain (docs/results.md)."""
EYES = (list(range(36, 42)), list(range(42, 48)))
"""dlib's points of each eye: corners 36 and 39 (42 and 45), upper lid 37-38 (43-44), lower lid 40-41 (46-47)."""
EYE_OPENING, EYE_WIDENING = 1.2, 1.0
"""The most a move may open an eye, in its height between the lids, and widen it between its corners, as a ratio. A warp
can only open an eye by stretching what it shows, the iris with it: FER2013's typical surprise opens the eyes 1.6-1.8
times and widens them 1.11 times, and the astronaut's, Obama's and Biden's irises came out 1.2-1.3 times as wide and
1.7-2.3 times as tall, the eyes of a doll. A real eye that opens shows more of its white, and its corners, fixed to the
skull, stay where they are; its iris keeps its size. Within these the irises stay as wide and grow at most 1.25 times
as tall (docs/results.md). Only where the photo resolves an iris (IRIS_RESOLUTION)."""
IRIS_RESOLUTION = 1.5
"""Photo pixels per pixel of the 48-pixel frame from which an eye opens and widens no more than EYE_OPENING and
EYE_WIDENING: an iris is about 4 frame pixels across, so from here it spans 6 or more photo pixels and a stretched one
shows. On FER2013's own faces, where it spans 4, the eyes open as far as its surprised faces' do: limited there, the
surprised faces read surprise in 0.12 of the edits instead of 0.19, and their appearance distance to real faces rose
from 3.00 to 3.17, with no doll's eye to see at that size (docs/results.md)."""
BEHIND_GLASSES = [*range(17, 27), *range(36, 48)]
"""The brows and eyes, held still on a face with glasses: moved, the frames bend with them (facegan.editing.glasses)."""
ANCHORS = np.array([(x, y) for x in np.linspace(-4, 51, 8) for y in np.linspace(-4, 51, 8)
                    if min(x, y) < 0 or max(x, y) > 47], np.float64)
"""Points around the frame that stay where they are: the spline is still at the face's border."""


@dataclass
class Geometry:
    """Per expression: the mean shape (68, 2), the typical shape (68, 2) and the modes (MODES, 68, 2) with their spread, in
    FER2013's frame; and the mean and typical shapes of its faces whose lips are closed."""

    class_names: tuple[str, ...]
    reference: np.ndarray  # (68, 2): every face's mean shape, the frame the others are fitted in
    means: np.ndarray  # (K, 68, 2)
    typical: np.ndarray  # (K, 68, 2): the mean shape for the expressions drawn with the mouth closed, see `typical_shapes`
    modes: np.ndarray  # (K, MODES, 68, 2), unit vectors
    spread: np.ndarray  # (K, MODES): the standard deviation along each mode, in pixels
    counts: np.ndarray  # (K,)
    closed_means: np.ndarray  # (K, 68, 2): over the faces whose lips are closed (`closed_lips`)
    closed_typical: np.ndarray  # (K, 68, 2): likewise

    def move(self, source: int, target: int) -> np.ndarray:
        """How the landmarks (68, 2) move from one expression's mean shape to another's typical shape. A face's own shape
        is best guessed by the mean of its expression's; the target's typical shape is where the expression shows."""
        return self.typical[target] - self.means[source]

    def closed_move(self, source: int, target: int) -> np.ndarray:
        """`move` between the shapes of faces whose lips are closed: for a face whose lips are closed and stay so."""
        return self.closed_typical[target] - self.closed_means[source]

    def closed(self, target: int) -> bool:
        """Whether the expression's mean shape keeps the lips together (FER2013's neutral and sad faces)."""
        return closed_lips(self.means[target], self.reference)


def turn(points: np.ndarray) -> float:
    """How far a face (its landmarks (68, 2), upright) is turned from the camera: 0 facing it, 1 in profile, read from
    where the nose's tip lies between the two sides of the jaw at the cheeks (dlib's 2 and 14)."""
    across = (points[30, 0] - points[2, 0]) / max(points[14, 0] - points[2, 0], 1e-6)
    return float(np.clip(abs(across - 0.5) / 0.5, 0, 1))


def turned_share(turned: float) -> float:
    """The share of its move a face turned by `turned` gets: all of it up to TURN_FULL, none from TURN_NONE."""
    return float(np.clip((TURN_NONE - turned) / (TURN_NONE - TURN_FULL), 0, 1))


def closed_lips(shape: np.ndarray, reference: np.ndarray) -> bool:
    """Whether a shape (68, 2) parts its inner lips by less than CLOSED_GAP eye distances of the reference shape."""
    eyes = np.linalg.norm(reference[36:42].mean(0) - reference[42:48].mean(0))
    return bool((shape[LOWER_INNER_LIP[1:4], 1] - shape[UPPER_INNER_LIP[1:4], 1]).mean() < CLOSED_GAP * eyes)


def pose_removed(shapes: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each shape (N, 68, 2) moved by the similarity that best puts its rigid points on the reference's."""
    rigid = list(RIGID)
    fitted = np.empty_like(shapes)
    for index, shape in enumerate(shapes):
        matrix = similarity(shape[rigid], reference[rigid])
        fitted[index] = shape @ matrix[:, :2].T + matrix[:, 2]
    return fitted


def face_landmarks(faces: torch.Tensor) -> np.ndarray:
    """dlib's 68 landmarks of faces cropped like FER2013's (uint8 (N, 1, s, s)), in the 48-pixel frame, (N, 68, 2)."""
    side = faces.shape[-1]
    points = np.stack([cropped_landmarks(face[0].numpy(), 68) for face in faces])
    return (points + 0.5) * FRAME / side - 0.5


def fit_geometry(landmarks: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...], modes: int = MODES) -> Geometry:
    """The statistics above from the landmarks (N, 68, 2) of labelled faces."""
    reference = landmarks.mean(0)
    for _ in range(2):  # generalised Procrustes: twice is enough for the mean to settle
        shapes = pose_removed(landmarks, reference)
        reference = shapes.mean(0)
    means, all_modes, spread, counts = [], [], [], []
    for label in range(len(class_names)):
        own = shapes[labels == label].reshape(-1, 68 * 2)
        if len(own) <= modes:
            raise FaceganError(f"'{class_names[label]}' has {len(own)} faces with landmarks: the geometry needs more than {modes}")
        centred = own - own.mean(0)
        _, singular, vt = np.linalg.svd(centred, full_matrices=False)
        means.append(own.mean(0).reshape(68, 2))
        all_modes.append(vt[:modes].reshape(modes, 68, 2))
        spread.append(singular[:modes] / np.sqrt(len(own) - 1))
        counts.append(len(own))
    means = np.stack(means)
    probability = shape_probabilities(shapes, labels, len(class_names))
    drawn_closed = [closed_lips(mean, reference) for mean in means]
    closed = np.array([closed_lips(shape, shape) for shape in shapes])
    closed_means = means.copy()  # an expression none of whose faces has closed lips keeps its mean
    for label in range(len(class_names)):
        own_closed = (labels == label) & closed
        if own_closed.any():
            closed_means[label] = shapes[own_closed].mean(0)
    return Geometry(tuple(class_names), reference, means, typical_shapes(shapes, labels, means, probability, drawn_closed),
                    np.stack(all_modes), np.stack(spread), np.array(counts), closed_means,
                    typical_shapes(shapes[closed], labels[closed], closed_means, probability[closed], drawn_closed))


def typical_shapes(shapes: np.ndarray, labels: np.ndarray, means: np.ndarray, probability: np.ndarray, drawn_closed: list[bool]) -> np.ndarray:
    """Each expression's typical shape (K, 68, 2): the mean of the TYPICAL_SHARE of its pose-free shapes (N, 68, 2) to which
    a softmax regression of the expressions on all of them, classes weighted equally, gives the highest `probability`
    (N,) of it. An expression `drawn_closed` (its mean shape keeps the lips closed: sad, neutral), or with no shapes here,
    keeps its mean (K, 68, 2): what tells its typical shapes apart is the closed lips' detail, which a seal
    (warp.LipSeal) cannot carry, and a smile sealed to the typical sad shape broke into a lump (docs/results.md)."""
    typical = means.copy()
    for label in range(len(means)):
        own = shapes[labels == label]
        if drawn_closed[label] or not len(own):
            continue
        ranked = np.argsort(-probability[labels == label], kind="stable")
        typical[label] = own[ranked[: max(1, round(TYPICAL_SHARE * len(own)))]].mean(0)
    return typical


def shape_probabilities(shapes: np.ndarray, labels: np.ndarray, classes: int) -> np.ndarray:
    """Each shape's (N, 68, 2) probability of its own expression, by a softmax regression on the standardised shapes,
    L2-regularised (a convex fit, started at zero, so the same data always gives the same answer)."""
    import torch
    from torch.nn import functional as F

    features = torch.from_numpy(shapes.reshape(len(shapes), -1)).double()
    features = (features - features.mean(0)) / features.std(0).clamp_min(1e-9)
    truth = torch.from_numpy(labels).long()
    weights = len(truth) / (classes * torch.bincount(truth, minlength=classes).double())
    linear = torch.nn.Linear(features.shape[1], classes).double()
    torch.nn.init.zeros_(linear.weight), torch.nn.init.zeros_(linear.bias)
    optimiser = torch.optim.LBFGS(linear.parameters(), max_iter=200, line_search_fn="strong_wolfe")

    def loss() -> torch.Tensor:
        optimiser.zero_grad()
        value = F.cross_entropy(linear(features), truth, weight=weights) + 1e-3 * linear.weight.pow(2).sum()
        value.backward()
        return value

    optimiser.step(loss)
    with torch.no_grad():
        return linear(features).softmax(1)[torch.arange(len(truth)), truth].numpy()


def train_geometry(train: ImageSet, out: str | Path, log=print) -> Geometry:
    """`facegan train-geometry`: the statistics of a FER2013-like training set, saved in half precision."""
    started = time.perf_counter()
    landmarks = face_landmarks(train.images)
    geometry = fit_geometry(landmarks, train.labels.numpy(), train.class_names)
    save_geometry(geometry, out, {"faces": len(train), "seconds": round(time.perf_counter() - started, 1)})
    log(describe_moves(geometry))
    return geometry


def describe_moves(geometry: Geometry) -> str:
    """A few of the mean moves from neutral, in eye distances: what a reader checks the statistics by."""
    neutral = geometry.class_names.index("neutral") if "neutral" in geometry.class_names else 0
    eyes = np.linalg.norm(geometry.reference[36:42].mean(0) - geometry.reference[42:48].mean(0))
    lines = []
    for label, name in enumerate(geometry.class_names):
        move = geometry.move(neutral, label) / eyes
        width = (move[54, 0] - move[48, 0])
        corners = -(move[48, 1] + move[54, 1]) / 2
        opening = move[57, 1] - move[51, 1]
        brows = -move[17:27, 1].mean()
        lines.append(f"{name}: mouth wider by {width:+.3f}, corners up {corners:+.3f}, open {opening:+.3f}, brows up {brows:+.3f}")
    return "\n".join(lines)


SHAPES = ("reference", "means", "typical", "modes", "spread", "closed_means", "closed_typical")
"""The geometry file's arrays, each stored in half precision."""


def save_geometry(geometry: Geometry, out: str | Path, facts: dict) -> None:
    import torch

    arrays = {key: torch.from_numpy(np.asarray(getattr(geometry, key), np.float32)).half() for key in SHAPES}
    save_tagged({"class_names": list(geometry.class_names), **arrays, "counts": torch.from_numpy(geometry.counts), "facts": facts},
                KIND, Path(out))


def load_geometry(path: str | Path = SHIPPED) -> Geometry:
    older = ("closed_means", "closed_typical")
    saved = read_tagged_arrays(path, KIND, "facegan geometry file", "reinstall facegan, or pass a file from 'facegan train-geometry'",
                               {"class_names": list, "counts": np.ndarray, **{key: np.ndarray for key in SHAPES if key not in older}})
    if not all(isinstance(saved.get(key), np.ndarray) for key in older):
        raise FaceganError(f"'{path}' is a geometry file from an older facegan, without the shapes of faces with closed lips: "
                           "make it again with 'facegan train-geometry'")
    shapes = {key: saved[key].astype(np.float64) for key in SHAPES}
    return Geometry(tuple(saved["class_names"]), counts=saved["counts"], **shapes)


def field_for(landmarks: np.ndarray, move: np.ndarray, grid: int = GRID) -> np.ndarray:
    """The backward field (..., 2, grid, grid) over the 48-pixel frame that moves a face's landmarks (68, 2) by
    `move` (..., 68, 2), still at the frame's border."""
    stack = move.shape[:-2]
    source = np.broadcast_to(np.vstack([landmarks, ANCHORS]), (*stack, len(landmarks) + len(ANCHORS), 2))
    return thin_plate_field(source, np.concatenate([landmarks + move, np.broadcast_to(ANCHORS, (*stack, *ANCHORS.shape))], -2), FRAME, grid)


class GeometryEngine(FieldEngine):
    """Moves each face's landmarks from its own expression's mean shape to the target's typical shape, by a warp."""

    name = "geometry"

    def __init__(self, geometry: Geometry, glasses: GlassesDetector) -> None:
        self.geometry, self.glasses, self.config = geometry, glasses, field_config()

    @classmethod
    def load(cls, path: str | Path | None = None) -> "GeometryEngine":
        return cls(load_geometry(SHIPPED if path is None else path), load_glasses())

    def face_fields(self, photo: np.ndarray, alignment: Alignment, face: torch.Tensor, source: int) -> tuple[np.ndarray, Mouths, str]:
        """The thin-plate field to every class, and where the photo resolves the lips, a seam for the mouth: a seal
        for the classes drawn with the mouth closed, where the face's lips part, and an opening for those whose open
        mouths are dark, where their move parts the lips; turned there to a smile or an expression drawn with the mouth
        closed, closed lips move as FER2013's faces with closed lips do (OPENS_AS_NEUTRAL). The landmarks are found on
        the aligned face at LANDMARK_SIDE pixels. Behind glasses, where the photo resolves them, the brows and eyes stay
        where they are; where it resolves an iris, no eye opens or widens so far that its iris stretches
        (`eyes_kept_round`). A face turned from the camera gets a share of the move (`turned_share`), and no seam; a move that would fold
        the face gets the share of it that does not (`STRETCH_FLOOR`). The note says so, with the shares."""
        import cv2

        upright = cv2.cvtColor(aligned_crop(photo, alignment.resized(LANDMARK_SIDE)), cv2.COLOR_RGB2GRAY)
        landmarks = (cropped_landmarks(upright, 68) + 0.5) * FRAME / LANDMARK_SIDE - 0.5
        classes = len(self.geometry.class_names)
        moves, mouths = np.zeros((classes, *landmarks.shape)), [None] * classes
        resolution = alignment.size / FRAME / alignment.scale
        turned = turn(landmarks)
        share = turned_share(turned)
        seams = resolution >= SEAM_RESOLUTION and share == 1
        lip_inside = seams and lip_coloured_inside(photo, alignment.to_photo(landmarks))
        sealable = seams and not lip_inside and sealable_lips(landmarks)
        targets = [target for target in range(classes) if target != source]
        glasses = resolution >= GLASSES_RESOLUTION and self.glasses.probability(upright) > 0.5
        names = self.geometry.class_names
        opens_as_neutral = names[source] in OPENS_AS_NEUTRAL and "neutral" in names
        closed = seams and (lip_inside or closed_lips(landmarks, landmarks))
        for target in targets:
            kept_closed = closed and (names[target] in OPENS_AS_NEUTRAL or self.geometry.closed(target))
            moves[target] = share * GAIN * (self.geometry.closed_move if kept_closed else self.geometry.move)(source, target)
            if glasses:
                moves[target][BEHIND_GLASSES] = 0
            if resolution >= IRIS_RESOLUTION:
                moves[target] = eyes_kept_round(moves[target], landmarks)
            moves[target] = lips_not_crossed(moves[target], landmarks)
            if sealable and self.geometry.closed(target):
                moves[target], mouths[target] = sealed_move(moves[target], landmarks), LipSeal(landmarks, 1.0)
            elif seams:
                dark = names[target] in DARK_MOUTHS
                growth = lip_growth(moves[target])
                if dark and opens_as_neutral:
                    growth = np.maximum(growth, lip_growth(GAIN * self.geometry.move(names.index("neutral"), target)))
                moves[target], mouths[target] = parted_by_seam(moves[target], landmarks, growth, dark)
        fields = np.zeros((classes, 2, GRID, GRID), np.float32)
        fields[targets] = field_for(landmarks, moves[targets])
        kept = dict(zip(targets, unfolded_share(fields[targets], FRAME, STRETCH_FLOOR).tolist()))
        for target in targets:
            fields[target], mouths[target] = kept[target] * fields[target], mouth_at(mouths[target], kept[target])
        return fields, mouths, held_back(turned, share, {names[target]: kept[target] for target in targets if kept[target] < 1})


def held_back(turned: float, share: float, folding: dict[str, float]) -> str:
    """What a face did not get, for the user: the share of the move a face turned by `turned` gets (`turned_share`), and
    the targets whose move, `folding`, would fold the face, with the share each gets; "" when it got everything."""
    notes = []
    if share == 0:
        notes.append(f"turned from the camera ({turned:.2f}; 1 is a profile): too far to move, so it is left as it is")
    elif share < 1:
        notes.append(f"turned from the camera ({turned:.2f}; 1 is a profile): it gets {share:.0%} of the move")
    if folding:
        notes.append(", ".join(f"{name} {kept:.0%}" for name, kept in folding.items()) + " of the move, where all of it would fold the face")
    return "; ".join(notes)


def lips_kept_apart(move: np.ndarray) -> np.ndarray:
    """A move (68, 2) whose lower lip follows the upper lip and whose jaw keeps its height, for a face whose mouth
    a seal closes: the mean move closes the lips by squeezing what lies between them (a smile's teeth stay, in a
    thin band), and the seal does that part by taking the lips' own pixels instead."""
    kept = lower_lip_following(move)
    kept[JAW, 1] = 0
    return kept


def sealed_move(move: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The move (68, 2) for a face (points (68, 2)) whose mouth a seal closes: `lips_kept_apart`, with the mouth's corners
    lowered by as much as the line the seal closes the lips on lies below the middle of the inner lips that `move`
    gives, so they sit over the one as `move` puts them over the other. The mean move takes a smile's curve away
    mostly by raising the lower lip into the gap, which the seal closes instead, so without this a sealed smile kept
    its curve (docs/results.md)."""
    kept = lips_kept_apart(move)
    upper, lower = lip_edges(points + kept)
    line = (upper[2, 1] + lower[2, 1]) / 2
    middle = (points + move)[[UPPER_INNER_LIP[2], LOWER_INNER_LIP[2]], 1].mean()
    kept[[48, 54, 60, 64], 1] += max(line - middle, 0)
    return kept


def lower_lip_following(move: np.ndarray) -> np.ndarray:
    """A move (68, 2) whose lower lip moves up or down as the upper inner lip does: the lips keep their gap, for a
    seam to close or open."""
    kept = move.copy()
    kept[LOWER_LIPS, 1] = move[UPPER_INNER_LIP[1:4], 1].mean()
    return kept


def lip_growth(move: np.ndarray) -> np.ndarray:
    """How much further apart a move (68, 2) takes each facing pair of inner-lip points, (3,)."""
    return np.array([move[lower, 1] - move[upper, 1] for upper, lower in FACING_INNER_LIPS])


def parted_by_seam(move: np.ndarray, points: np.ndarray, growth: np.ndarray, dark: bool) -> tuple[np.ndarray, MouthOpening | None]:
    """For lips the target parts by `growth` (3,), more than OPENING frame pixels somewhere: where the target's open
    mouths are `dark`, the opening (a seam) that parts them by `growth` and the move (68, 2) that places the lips for it
    (`lips_on_seam`). A smooth field parting them stretches the line where they meet into streaks; and drawn dark where
    the target's open mouths show teeth, the opening reads as a gap where teeth should be, so there the lips stay as
    close as they are, and the jaw, which the mean move lowers with the lower lip, keeps its height
    (`lips_kept_apart`): lowered under lips that stay, it stretched the chin into streaks."""
    if growth.max() <= OPENING:
        return move, None
    if not dark:
        return lips_kept_apart(move), None
    growth = np.maximum(growth, 0)
    return lips_on_seam(move, growth), MouthOpening(points, growth)


def lips_on_seam(move: np.ndarray, growth: np.ndarray) -> np.ndarray:
    """The move (68, 2) for lips a seam parts by `growth` (3,): the seam lifts the upper lip by half of it and lowers the
    lower lip by half, so the field takes both lips to where `move` puts the upper lip, plus that half. Then the upper
    lip lands where `move` puts it and the lower lip `growth` below it; with both at the upper lip's own move, the
    opened mouth sat half its height too high, under corners the move lowers with the jaw, and where the corner lies
    close to the lower lip (a mouth seen from the side) the field folded the lip over itself (docs/results.md)."""
    kept = move.copy()
    kept[UPPER_LIP, 1] += growth.mean() / 2
    return lower_lip_following(kept)


def eyes_kept_round(move: np.ndarray, points: np.ndarray) -> np.ndarray:
    """A move (68, 2) that opens and widens no eye of the face (points (68, 2)) more than EYE_OPENING and EYE_WIDENING:
    each eye keeps the move's translation, and the share of its change of shape, along each axis, that stays within
    them."""
    kept = move.copy()
    for eye in EYES:
        before, after = points[eye], points[eye] + move[eye]
        ratios = np.array([np.ptp(after[:, 0]) / max(np.ptp(before[:, 0]), 1e-6), eye_height(after) / max(eye_height(before), 1e-6)])
        limits = np.array([EYE_WIDENING, EYE_OPENING])
        if (ratios > limits).any():
            share = np.where(ratios > limits, (limits - 1) / np.maximum(ratios - 1, 1e-6), 1)
            shift = move[eye].mean(0)
            kept[eye] = shift + share * (move[eye] - shift)
    return kept


def eye_height(eye: np.ndarray) -> float:
    """The mean height between an eye's upper and lower lid (points (6, 2), in dlib's order)."""
    return float((eye[5, 1] - eye[1, 1] + eye[4, 1] - eye[2, 1]) / 2)


def lips_not_crossed(move: np.ndarray, points: np.ndarray) -> np.ndarray:
    """A move (68, 2) whose facing inner-lip points do not pass each other: where the move would bring them closer than
    CLOSEST_LIPS, both take their mean move, and the lips keep the gap the face (points (68, 2)) has. Happy to angry
    brings the upper inner lip 0.7 frame pixels down onto a lower lip that stays; on a mouth open by less, the spline
    folds between the two points and the lip line turns wavy."""
    kept = move.copy()
    for upper, lower in FACING_INNER_LIPS:
        if points[lower, 1] + move[lower, 1] - points[upper, 1] - move[upper, 1] < CLOSEST_LIPS:
            kept[[upper, lower]] = move[[upper, lower]].mean(0)
    return kept


def lip_coloured_inside(photo: np.ndarray, on_photo: np.ndarray) -> bool:
    """Whether what lies between the inner lips (landmarks (68, 2) in photo pixels) is as colourful as the lips
    (LIP_COLOURED_INSIDE): closed lips that dlib reads as parted. A grey photo has no colour to tell, and is read by
    its landmarks alone."""
    mouth, corner = mouth_crop(photo, on_photo)
    if not mouth.size:
        return False
    lips, inside = lip_masks(on_photo - corner, mouth.shape[:2])
    if not lips.any() or not inside.any():
        return False
    colourful = mouth.max(-1) - mouth.min(-1)
    return bool(np.median(colourful[inside]) >= LIP_COLOURED_INSIDE * max(float(np.median(colourful[lips])), 1.0))


def sealable_lips(points: np.ndarray) -> bool:
    """Whether the inner lips (dlib's 60-67 of 68 points) are apart by more than a seal's overshoot somewhere, and
    by no more than WIDEST_SEAL eye distances anywhere."""
    gap = (points[LOWER_INNER_LIP[1:4], 1] - points[UPPER_INNER_LIP[1:4], 1]).max()
    eyes = np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0))
    return bool(SEAL_OVERSHOOT < gap <= WIDEST_SEAL * eyes)
