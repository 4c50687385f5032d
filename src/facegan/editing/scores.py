"""How well editing works, measured on real faces no model trained on (FER2013's test split).

Each of n test faces is turned to every expression other than its own, and every edit gets three
scores, always reported together, since each alone can be won by a bad edit:
- same person: the share of edits that dlib's face-recognition network (facegan.metrics.identity)
  still calls the source's person, per target; its floor is how often two different test faces pass;
- expression: the share the project's classifier assigns to the asked-for expression, balanced over
  targets (a caricature can win this; the other two catch it);
- realism: Fréchet distance and KID between the edits and the real test faces, each target taking its
  share of the test split (`metrics.evaluate`, as for samples), with the floor, real training faces at
  the same n; in the appearance network's features, which see how a face is drawn, and in the
  classifier's, which see mostly its expression (the issue's target was set in those). Beside it, the
  same distances for the faces left unedited in the edits' places: each of the n faces stands in up to
  K - 1 times, so even an engine that changes nothing is far above the floor (3.41 against 1.04 in
  appearance features at n = 500); an engine's cost in realism is its distance above the unedited one.
Two more scores that marks drawn on a face cannot win (facegan.metrics.marks):
- expression again after a blur and a JPEG round trip, with real test faces' score under the same: by
  the robust classifier, trained on such faces too (metrics.classifier.ROBUST_WEIGHTS), and by the plain
  one, which a blur confuses even on real faces but which no engine was trained against;
- paint share: the share of each edit's change that no smooth motion of the face's own pixels explains.
And, as information, a two-sample detector's held-out accuracy (facegan.metrics.detector): edits against
real test faces of other people, both blurred, the mean over five seeds (0.5: it cannot tell them apart).
Also: reconstruction (PSNR, SSIM) of each face asked for its own expression, and seconds per face.
At a photo's resolution, where a 48-pixel test face hides what a photographer sees (and where the geometry
engine's seams close and open lips), two real colour portraits that ship with facegan and its dependencies are
turned to every other expression and scored over the face's region (facegan.metrics.marks.photo_scores):
sharpness and saturation, edited over original, and the paint share.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from facegan import visuals
from facegan.data.images import ImageSet
from facegan.editing.align import Alignment
from facegan.editing.engine import EditEngine, check_controls
from facegan.editing.registry import load_engine
from facegan.editing.warp import photo_region
from facegan.errors import FaceganError
from facegan.files import write_atomically
from facegan.metrics.classifier import ROBUST_WEIGHTS, SHIPPED_WEIGHTS, accuracy_summary, load_classifier, predict
from facegan.metrics.distances import psnr, ssim
from facegan.metrics.evaluate import FER2013, evaluate
from facegan.metrics.identity import FaceRecognition, different_people_rate, same_person
from facegan.metrics.detector import detector_accuracy
from facegan.metrics.marks import blurred_and_compressed, paint_shares, photo_scores
from facegan.models.checkpoint import run_folder

MIN_FACES = 2
"""The fewest test faces eval-edit scores: realism compares spreads of features, which one face has not."""

Renderer = Callable[[torch.Tensor], torch.Tensor]
"""uint8 faces (N, C, s, s) -> uint8 (N, K, C, s, s): every face turned to every class."""


@dataclass
class TestEdits:
    """Test faces, each rendered in every class (`every_class`: n, K, C, s, s)."""

    faces: torch.Tensor
    sources: torch.Tensor
    every_class: torch.Tensor
    strangers: torch.Tensor  # real test faces of other people: what the two-sample detector tells edits from

    @property
    def others(self) -> torch.Tensor:
        """(n, K - 1): every class but each face's own."""
        classes = self.every_class.shape[1]
        return (self.sources[:, None] + torch.arange(1, classes)) % classes

    @property
    def edited(self) -> torch.Tensor:
        """The edits proper, face by face: (n (K - 1), C, s, s)."""
        return self.every_class[torch.arange(len(self.faces))[:, None], self.others].flatten(0, 1)

    @property
    def targets(self) -> torch.Tensor:
        return self.others.flatten()

    @property
    def origin(self) -> torch.Tensor:
        """Which face each edit was made from."""
        return torch.arange(len(self.faces)).repeat_interleave(self.every_class.shape[1] - 1)

    @property
    def redrawn(self) -> torch.Tensor:
        """Each face asked for its own class."""
        return self.every_class[torch.arange(len(self.faces)), self.sources]


def edit_test_faces(render: Renderer, test: ImageSet, n: int = 500, seed: int = 0) -> TestEdits:
    """n test faces picked at random (by `seed`), each turned to every class."""
    order = torch.randperm(len(test), generator=torch.Generator().manual_seed(seed))
    pick = order[:n]
    return TestEdits(test.images[pick], test.labels[pick], render(test.images[pick]), test.images[order[n:]])


def edit_quality(edits: TestEdits, class_names: tuple[str, ...], test: ImageSet, train: ImageSet, seed: int = 0) -> dict:
    """`metrics.evaluate`'s scores of the edits, grouped by target: expression, and realism in both feature spaces."""
    classifier, _ = load_classifier()
    edited, targets = edits.edited, edits.targets
    generated = {name: edited[targets == k] for k, name in enumerate(class_names)}
    return evaluate(generated, FER2013, classifier, train, test, seed, appearance=FER2013.load_appearance())


def unedited_realism(edits: TestEdits, class_names: tuple[str, ...], test: ImageSet, train: ImageSet, seed: int = 0) -> dict:
    """The realism scores of the faces themselves in the edits' places: what an engine that changes nothing scores."""
    classes = edits.every_class.shape[1]
    still = TestEdits(edits.faces, edits.sources, edits.faces[:, None].expand(-1, classes, -1, -1, -1), edits.strangers)
    generated = edit_quality(still, class_names, test, train, seed)["generated"]
    return {"frechet_distance": generated["frechet_distance"], "kid": generated["kid"],
            "appearance": {key: generated["appearance"][key] for key in ("frechet_distance", "kid")}}


def marks_scores(edits: TestEdits, class_names: tuple[str, ...], detector: bool = True) -> dict:
    """Expression after a blur and a JPEG round trip (edits, and the real faces for comparison) by the
    robust classifier and by the plain one, the paint share, and (with `detector`) the two-sample detector."""
    washed_edits, washed_faces = blurred_and_compressed(edits.edited), blurred_and_compressed(edits.faces)

    def expression_after_blur(weights: Path) -> dict:
        classifier, _ = load_classifier(weights)

        def balanced(faces: torch.Tensor, labels: torch.Tensor) -> float:
            return accuracy_summary(predict(classifier, faces)[0].argmax(1), labels, class_names)["balanced_accuracy"]

        return {"balanced_accuracy": balanced(washed_edits, edits.targets), "real_faces": balanced(washed_faces, edits.sources)}

    shares = paint_shares(edits.faces[edits.origin], edits.edited)
    return {**({"detector_blurred": detector_accuracy(edits.strangers, edits.edited)} if detector else {}),
            "expression_blurred": {**expression_after_blur(ROBUST_WEIGHTS), "plain_classifier": expression_after_blur(SHIPPED_WEIGHTS)},
            "paint_share": {"mean": float(shares.mean()), "median": float(shares.median())}}


def score_editing(render: Renderer, class_names: tuple[str, ...], test: ImageSet, train: ImageSet, n: int = 500,
                  seed: int = 0, identity: FaceRecognition | None = None) -> tuple[dict, torch.Tensor]:
    """The three scores (see the module docstring) and example strips: each face, then every class."""
    identity = identity or FaceRecognition()
    edits = edit_test_faces(render, test, n, seed)
    faces, every_class, edited, targets = edits.faces, edits.every_class, edits.edited, edits.targets
    quality = edit_quality(edits, class_names, test, train, seed)

    source_descriptors = identity.descriptors(faces)
    kept = same_person(source_descriptors[edits.origin], identity.descriptors(edited))
    redrawn = edits.redrawn
    scores = {
        "n_faces": len(faces),
        "n_edits": len(edited),
        "same_person": {"all": float(kept.double().mean()),
                        "per_target": {name: float(kept[targets == k].double().mean()) for k, name in enumerate(class_names)},
                        "own_expression": float(same_person(source_descriptors, identity.descriptors(redrawn)).double().mean()),
                        "floor_different_people": different_people_rate(source_descriptors, seed)},
        "expression": {key: quality["generated"]["expression"][key] for key in ("accuracy", "balanced_accuracy", "per_class")},
        **marks_scores(edits, class_names),
        "realism": {"counts": quality["counts"],
                    **{key: quality["generated"][key] for key in ("frechet_distance", "kid", "precision", "recall", "appearance")},
                    "floor": {key: quality["floor"][key] for key in ("frechet_distance", "kid", "precision", "recall", "appearance")},
                    "unedited": unedited_realism(edits, class_names, test, train, seed)},
        "own_expression_reconstruction": {"psnr": float(psnr(faces, redrawn).mean()), "ssim": float(ssim(faces, redrawn).mean())},
        "seconds_per_face": seconds_per_face(render, faces[:20]),
    }
    examples = torch.cat([torch.cat([faces[i : i + 1], every_class[i]]) for i in range(min(8, len(faces)))])
    return scores, examples


def scored_photos() -> dict[str, np.ndarray]:
    """The portraits scored at their own resolution, both public domain and in no data set: the astronaut (the demo
    photo, NASA), smiling, and Grace Hopper (matplotlib's sample photo, US Navy), lips closed, in glasses."""
    from matplotlib import cbook
    from PIL import Image

    from facegan.data import DEMO_PHOTO
    from facegan.editing.faces import read_photo, to_rgb

    with cbook.get_sample_data("grace_hopper.jpg") as file:
        hopper = to_rgb(Image.open(file))
    return {"astronaut": read_photo(DEMO_PHOTO), "hopper": hopper}


def largest_face_alignment(photo: np.ndarray) -> Alignment:
    """The photo's largest face aligned to FER2013's frame, as every engine aligns it."""
    import cv2

    from facegan.editing.align import FRAME, align
    from facegan.editing.faces import pick_faces
    from facegan.editing.landmarks import photo_landmarks

    return align(photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 5), FRAME)


def photo_quality(photo: np.ndarray, edited: dict[str, np.ndarray], region: np.ndarray) -> dict:
    """Each edit of a photo (by target) scored over the face's `region`, and the means over targets."""
    per_target = {target: photo_scores(photo, picture, region) for target, picture in edited.items()}
    return {**{key: float(np.mean([scores[key] for scores in per_target.values()])) for key in ("sharpness", "saturation", "paint_share")},
            "per_target": per_target}


def score_photos(editor: EditEngine, photos: dict[str, np.ndarray], strength: float = 1.0) -> dict:
    """Each photo's largest face turned to every class but its own, at the photo's resolution: `photo_quality`."""
    scores = {}
    for name, photo in photos.items():
        edits = editor.edit_faces(photo)
        own = editor.expression_of(edits[0])
        edited = {target: editor.render(photo, edits, target, strength) for target in editor.config.class_names if target != own}
        region = photo_region(largest_face_alignment(photo), *photo.shape[:2])
        scores[name] = {"own_expression": own, **photo_quality(photo, edited, region)}
    return scores


def seconds_per_face(render: Renderer, faces: torch.Tensor) -> float:
    """One face at a time, as `facegan edit` does: the face turned to every class."""
    started = time.perf_counter()
    for face in faces:
        render(face[None])
    return (time.perf_counter() - started) / len(faces)


def evaluate_editing(checkpoint: str | Path | None = None, data: str | Path | None = None, n: int = 500, out: str | Path | None = None,
                     steps: int | None = None, detail_steps: int | None = None, strength: float | None = None,
                     engine: str | None = None) -> tuple[dict, Path]:
    """`facegan eval-edit`: score an engine (default: facegan's default engine) on FER2013's test faces;
    writes edit_eval.json and strips.png into `out` (default: RUN/edit_eval, or ./edit_eval)."""
    from facegan.data import load_fer2013

    if n < MIN_FACES:
        raise FaceganError(f"--n {n}: score at least {MIN_FACES} test faces (500 for the README's tables)")
    editor = load_engine(checkpoint, engine, steps=steps, detail_steps=detail_steps)
    share = check_controls(editor, strength)
    if editor.config.dataset != "fer2013":
        raise FaceganError("edit scores use FER2013's test faces: pass a FER2013 translator or conditional model")
    data = data or editor.config.data
    if not data or not Path(data).exists():
        raise FaceganError(f"FER2013 not found at '{data}': pass --data PATH (the folder with train/ and test/, or the CSV)")
    identity = FaceRecognition()  # fails early, with one line, if the extra is missing
    test, train = load_fer2013(data, "test"), load_fer2013(data, "train")
    scores, examples = score_editing(lambda faces: editor.every_class(faces, share), editor.config.class_names, test, train, n,
                                     identity=identity)
    scores["photos"] = score_photos(editor, scored_photos(), share)
    scores["method"] = editor.describe(share)
    if out is None:
        out = run_folder(checkpoint) / "edit_eval" if checkpoint is not None else Path("edit_eval")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / "edit_eval.json", lambda temporary: temporary.write_text(json.dumps(scores, indent=2)))
    visuals.save_labelled_grid(examples, out / "strips.png", ["photo", *editor.config.class_names])
    return scores, out


def headline(scores: dict) -> str:
    """One line: the three scores and the speed."""
    same, realism = scores["same_person"], scores["realism"]
    return (f"{scores['n_edits']} edits of {scores['n_faces']} faces: same person {same['all']:.3f} "
            f"(different people {same['floor_different_people']:.3f}); expression {scores['expression']['balanced_accuracy']:.3f} balanced, "
            f"{scores['expression_blurred']['balanced_accuracy']:.3f} after blur and JPEG (real faces "
            f"{scores['expression_blurred']['real_faces']:.3f}; plain classifier "
            f"{scores['expression_blurred']['plain_classifier']['balanced_accuracy']:.3f}, real faces "
            f"{scores['expression_blurred']['plain_classifier']['real_faces']:.3f}); paint share {scores['paint_share']['mean']:.2f}; "
            f"blurred two-sample detector {scores['detector_blurred']['mean']:.2f}; "
            f"Fréchet distance {realism['appearance']['frechet_distance']:.2f} in appearance features "
            f"(unedited {realism['unedited']['appearance']['frechet_distance']:.2f}, floor {realism['floor']['appearance']['frechet_distance']:.2f}), "
            f"{realism['frechet_distance']:.2f} in classifier features (unedited {realism['unedited']['frechet_distance']:.2f}, "
            f"floor {realism['floor']['frechet_distance']:.2f}); "
            f"{scores['seconds_per_face'] * 1000:.0f} ms per face" + photos_headline(scores.get("photos", {})))


def photos_headline(photos: dict) -> str:
    """The photo scores' part of the headline: each score, photo by photo."""
    if not photos:
        return ""
    each = {key: " / ".join(f"{scores[key]:.2f}" for scores in photos.values()) for key in ("sharpness", "saturation", "paint_share")}
    return (f"; at full resolution ({', '.join(photos)}): sharpness {each['sharpness']}, saturation {each['saturation']}, "
            f"paint share {each['paint_share']}")
