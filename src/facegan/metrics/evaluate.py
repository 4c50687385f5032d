"""Scoring generated FER2013 faces against real ones, and the report that shows the scores.

Generated faces come grouped by intended expression (`facegan sample`'s OUT/<expression>/ layout).
Every distance is computed twice at the same n: for the generated faces, and for real training faces
(the floor, the best value reachable) against the same real reference, the FER2013 test split.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from facegan import visuals
from facegan.config import EXPRESSIONS
from facegan.data.images import ImageSet, list_images
from facegan.errors import FaceganError
from facegan.metrics.classifier import ExpressionClassifier, accuracy_summary, predict
from facegan.metrics.distances import frechet_distance, kernel_inception_distance, nearest_neighbours, precision_recall, spread
from facegan.metrics.inception import load_inception


def read_generated(folder: str | Path) -> dict[str, torch.Tensor]:
    """uint8 48x48 grayscale faces from FOLDER/<expression>/*.png, keyed by expression."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FaceganError(f"'{folder}' is not a folder: pass the --out folder of 'facegan sample'")
    generated = {}
    for expression in EXPRESSIONS:
        files = list_images(folder / expression)
        if not files:
            continue
        generated[expression] = torch.stack([_read_face(file) for file in files])
    if not generated:
        raise FaceganError(f"no generated faces in '{folder}': expected {folder}/<expression>/*.png, e.g. {folder}/happy/000000.png")
    return generated


def _read_face(file: Path) -> torch.Tensor:
    """One generated face, which must be what a FER2013 generator writes: 48x48 grayscale."""
    try:
        with Image.open(file) as image:
            if image.size != (48, 48) or image.mode != "L":
                raise FaceganError(f"'{file}' is {image.size[0]}x{image.size[1]} {image.mode}; FER2013 scores need 48x48 grayscale (mode L) faces")
            return torch.from_numpy(np.asarray(image, dtype=np.uint8).copy())[None]
    except (OSError, SyntaxError):
        raise FaceganError(f"'{file}' is not a readable image") from None


def matched_subsample(pool: ImageSet, counts: dict[str, int], seed: int) -> torch.Tensor:
    """`counts[e]` random images of each expression e from `pool` (fewer if the pool has fewer)."""
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for expression, count in counts.items():
        members = (pool.labels == EXPRESSIONS.index(expression)).nonzero().squeeze(1)
        chosen.append(members[torch.randperm(len(members), generator=generator)[:count]])
    return pool.images[torch.cat(chosen)]


def compare(features: torch.Tensor, reference_features: torch.Tensor) -> dict:
    """Fréchet distance, KID and precision/recall of candidate features against reference features."""
    kid, kid_std = kernel_inception_distance(features, reference_features, subset_size=min(1000, len(features)))
    precision, recall = precision_recall(reference_features, features)
    return {"n": len(features), "frechet_distance": frechet_distance(features, reference_features), "kid": kid,
            "kid_std": kid_std, "precision": precision, "recall": recall}


def memorisation(candidate: torch.Tensor, train_images: torch.Tensor, real_test: torch.Tensor) -> dict:
    """Pixel distance from each candidate to its nearest training image, beside the same for real
    test faces: a generator that copies its training set shows up as distances below the real ones."""
    pixels = lambda images: images.reshape(len(images), -1).float()  # noqa: E731
    copy_distances, copy_indices = nearest_neighbours(pixels(candidate), pixels(train_images))
    test_distances, _ = nearest_neighbours(pixels(real_test), pixels(train_images))
    return {
        "median_nearest_train_distance": float(copy_distances.median()),
        "min_nearest_train_distance": float(copy_distances.min()),
        "real_test_median_nearest_train_distance": float(test_distances.median()),
        "share_closer_than_real_test_1st_percentile": float((copy_distances < test_distances.quantile(0.01)).double().mean()),
        "closest": [(int(i), int(copy_indices[i]), float(copy_distances[i])) for i in copy_distances.argsort()[:8]],
    }


def inception_scores(inception: torch.nn.Module | None, candidate: torch.Tensor, floor: torch.Tensor,
                     reference: torch.Tensor) -> tuple[dict, dict]:
    """Standard Inception FID of the candidate and the floor, when the user brought the weights."""
    if inception is None:
        return {}, {}
    from facegan.metrics.inception import inception_features

    reference_features = inception_features(inception, reference)
    return ({"inception_fid": frechet_distance(inception_features(inception, candidate), reference_features)},
            {"inception_fid": frechet_distance(inception_features(inception, floor), reference_features)})


def diversity(features: torch.Tensor, labels: torch.Tensor, reference_features: torch.Tensor, reference_labels: torch.Tensor,
              expressions: list[str]) -> dict:
    """Each expression's spread of faces in the classifier's feature space, as a share of the real test
    faces' spread for that expression (1: as varied as real faces; near 0: one face over and over),
    and the mean over expressions. A pixel spread would count blotchy noise as variety."""
    per_class = {}
    for e in expressions:
        label = EXPRESSIONS.index(e)
        per_class[e] = spread(features[labels == label]) / spread(reference_features[reference_labels == label])
    return {"mean": sum(per_class.values()) / len(per_class), "per_class": per_class}


def evaluate_fer(generated: dict[str, torch.Tensor], classifier: ExpressionClassifier, train: ImageSet, test: ImageSet,
                 seed: int = 0, inception: torch.nn.Module | None = None) -> dict:
    """All scores for faces generated per expression. See the module docstring for the floor."""
    expressions = list(generated)
    test_subset = test.subset(torch.isin(test.labels, torch.tensor([EXPRESSIONS.index(e) for e in expressions])))
    # Class proportions of the reference decide how many faces of each expression enter the distances.
    reference_counts = {e: int((test_subset.labels == EXPRESSIONS.index(e)).sum()) for e in expressions}
    scale = min(len(generated[e]) / reference_counts[e] for e in expressions)
    counts = {e: max(1, int(reference_counts[e] * min(scale, 1.0))) for e in expressions}
    candidate = torch.cat([generated[e][:counts[e]] for e in expressions])
    floor = matched_subsample(train, counts, seed)
    _, reference_features = predict(classifier, test_subset.images)

    labels = torch.cat([torch.full((len(generated[e]),), EXPRESSIONS.index(e)) for e in expressions])
    logits, generated_features = predict(classifier, torch.cat(list(generated.values())))
    _, candidate_features = predict(classifier, candidate)
    floor_logits, floor_features = predict(classifier, floor)
    floor_labels = torch.cat([torch.full((counts[e],), EXPRESSIONS.index(e)) for e in expressions])
    generated_fid, floor_fid = inception_scores(inception, candidate, floor, test_subset.images)
    return {
        "expressions": expressions,
        "counts": counts,
        "generated": {**compare(candidate_features, reference_features), **generated_fid,
                      "expression": accuracy_summary(logits.argmax(1), labels),
                      "diversity": diversity(generated_features, labels, reference_features, test_subset.labels, expressions)},
        "floor": {**compare(floor_features, reference_features), **floor_fid,
                  "expression": accuracy_summary(floor_logits.argmax(1), floor_labels),
                  "diversity": diversity(floor_features, floor_labels, reference_features, test_subset.labels, expressions)},
        "memorisation": memorisation(candidate, train.images, matched_subsample(test, counts, seed)),
    }


def write_report(scores: dict, generated: dict[str, torch.Tensor], train: ImageSet, out: Path, title: str) -> Path:
    """eval.json, eval.md and its pictures (samples, confusion matrix, closest training pairs) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.json").write_text(json.dumps(scores, indent=2))
    visuals.save_grid(torch.cat([g[:8] for g in generated.values()]), out / "samples.png")
    visuals.save_confusion_matrix(scores["generated"]["expression"]["confusion"], EXPRESSIONS, out / "confusion.png")
    candidate = torch.cat([generated[e][: scores["counts"][e]] for e in scores["expressions"]])
    pairs = [image for index, nearest, _ in scores["memorisation"]["closest"] for image in (candidate[index], train.images[nearest])]
    visuals.save_grid(torch.stack(pairs), out / "closest_pairs.png", nrow=2)
    gen, floor, memo = scores["generated"], scores["floor"], scores["memorisation"]
    rows = [("Fréchet distance (classifier features)", "frechet_distance", ".2f"), ("KID", "kid", ".4f"),
            ("precision", "precision", ".3f"), ("recall", "recall", ".3f")]
    lines = [f"# {title}", "", f"Generated faces per expression (proportions of the FER2013 test split): {scores['counts']}", "",
             "| score | generated | floor (real train faces) |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {gen[key]:{fmt}} | {floor[key]:{fmt}} |" for name, key, fmt in rows]
    if "inception_fid" in gen:
        lines.append(f"| Inception FID (pt_inception weights) | {gen['inception_fid']:.2f} | {floor['inception_fid']:.2f} |")
    lines += [f"| expression accuracy | {gen['expression']['accuracy']:.3f} | {floor['expression']['accuracy']:.3f} |",
              f"| balanced expression accuracy | {gen['expression']['balanced_accuracy']:.3f} | {floor['expression']['balanced_accuracy']:.3f} |",
              f"| diversity (feature spread within an expression; real test faces = 1) | {gen['diversity']['mean']:.3f} | {floor['diversity']['mean']:.3f} |",
              "", "Per expression (classifier accuracy on generated faces): "
              + ", ".join(f"{e} {v:.2f}" for e, v in gen["expression"]["per_class"].items()), "",
              f"Memorisation: median pixel distance to the nearest training face {memo['median_nearest_train_distance']:.0f} "
              f"(real test faces: {memo['real_test_median_nearest_train_distance']:.0f}); "
              f"{memo['share_closer_than_real_test_1st_percentile']:.1%} of generated faces are closer to a training face "
              "than 99% of real test faces are.", "",
              "![samples](samples.png) ![confusion](confusion.png)", "", "Closest generated / training pairs:", "",
              "![closest pairs](closest_pairs.png)", ""]
    (out / "eval.md").write_text("\n".join(lines))
    return out / "eval.md"


def evaluate_run(generated: dict[str, torch.Tensor], data: str | Path, out: Path, title: str,
                 classifier_path: str | Path | None = None, inception_weights: str | Path | None = None) -> tuple[dict, Path]:
    """Score generated faces against FER2013 at `data` and write the report into `out`."""
    from facegan.data import load_fer2013
    from facegan.metrics.classifier import SHIPPED_WEIGHTS, load_classifier

    for expression, images in generated.items():
        if images.shape[1:] != (1, 48, 48):
            raise FaceganError(f"generated '{expression}' faces are {tuple(images.shape[1:])}; FER2013 scores need 48x48 grayscale")
    classifier, _ = load_classifier(classifier_path or SHIPPED_WEIGHTS)
    inception = load_inception(inception_weights) if inception_weights else None
    train, test = load_fer2013(data, "train"), load_fer2013(data, "test")
    scores = evaluate_fer(generated, classifier, train, test, inception=inception)
    return scores, write_report(scores, generated, train, out, title)


def evaluate_checkpoint(checkpoint: str | Path, n: int = 1000, data: str | None = None, out: str | Path | None = None,
                        classifier_path: str | Path | None = None, inception_weights: str | Path | None = None) -> tuple[dict, Path]:
    """Generate n faces (per class, for conditional models) from a FER2013 or CelebA run and score
    them; the report goes to RUN/eval/ by default."""
    from facegan.sampling import generate
    from facegan.training.checkpoint import load_generator, run_folder

    config, generator = load_generator(checkpoint)
    run_dir = run_folder(checkpoint)
    out = Path(out or run_dir / "eval")
    title = f"Evaluation of {run_dir}"
    if config.conditional:
        generated = {name: generate(generator, n, label=label) for label, name in enumerate(config.class_names)}
    else:
        generated = {config.expression or "images": generate(generator, n)}
    if config.dataset == "celeba":
        return evaluate_celeba_run(generated, data or config.data, out, title, classifier_path, inception_weights)
    if config.dataset != "fer2013":
        raise FaceganError(f"this checkpoint was trained on {config.dataset}; facegan eval scores FER2013 and CelebA models")
    return evaluate_run(generated, data or config.data, out, title, classifier_path, inception_weights)


def evaluate_celeba_run(generated: dict[str, torch.Tensor], data: str | Path, out: Path, title: str,
                        classifier_path: str | Path | None = None, inception_weights: str | Path | None = None) -> tuple[dict, Path]:
    """Score generated colour faces against CelebA at `data` (its held-out faces) and write the report."""
    from facegan.data import load_celeba
    from facegan.metrics.attributes import SHIPPED_WEIGHTS, load_attribute_classifier
    from facegan.metrics.evaluate_celeba import evaluate_celeba, write_celeba_report

    for name, images in generated.items():
        if images.shape[1:] != (3, 64, 64):
            raise FaceganError(f"generated '{name}' faces are {tuple(images.shape[1:])}; CelebA scores need 64x64 colour")
    classifier, _ = load_attribute_classifier(classifier_path or SHIPPED_WEIGHTS)
    inception = load_inception(inception_weights) if inception_weights else None
    train, test = load_celeba(data, "train"), load_celeba(data, "test")
    scores = evaluate_celeba(generated, classifier, train, test, inception=inception)
    return scores, write_celeba_report(scores, generated, train, out, title)


def headline(scores: dict) -> str:
    """The one line `facegan eval` prints."""
    generated = scores["generated"]
    line = f"Fréchet distance {generated['frechet_distance']:.2f} (floor {scores['floor']['frechet_distance']:.2f})"
    if "expression" in generated:
        line += f", balanced expression accuracy {generated['expression']['balanced_accuracy']:.3f}"
    if "attribute" in generated:
        line += f", balanced {scores['classes'][1]} accuracy {generated['attribute']['balanced_accuracy']:.3f}"
    return line


class EpochEvaluator:
    """Scores a FER2013 generator every few epochs of training (`--eval-every`): the classifier and the
    real faces are loaded once, and each call generates `n` faces and returns the headline scores.
    A conditional generator (expression None) makes its faces in the test split's class proportions
    and is scored against the whole test split; its expression accuracy is the balanced one."""

    def __init__(self, data: str | Path, n: int = 500, classifier_path: str | Path | None = None) -> None:
        from facegan.data import load_fer2013
        from facegan.metrics.classifier import SHIPPED_WEIGHTS, load_classifier

        self.classifier, _ = load_classifier(classifier_path or SHIPPED_WEIGHTS)
        self.test = load_fer2013(data, "test")
        self.n = n
        self.reference: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def __call__(self, generator: torch.nn.Module, expression: str | None) -> dict[str, float]:
        from facegan.sampling import latent_noise, render

        key = expression or "all"
        if key not in self.reference:
            real = self.test.only_class(expression) if expression else self.test
            _, self.reference[key] = predict(self.classifier, real.images)
        if expression:
            labels = torch.full((self.n,), EXPRESSIONS.index(expression))
        else:
            labels = self.test.labels[torch.randperm(len(self.test), generator=torch.Generator().manual_seed(0))[: self.n]]
        was_training = generator.training
        generator.eval()
        faces = render(generator, latent_noise(len(labels), generator.nz, 0), labels if generator.num_classes else None)
        generator.train(was_training)
        logits, features = predict(self.classifier, faces)
        scores = compare(features, self.reference[key])
        scores["expression_accuracy"] = accuracy_summary(logits.argmax(1), labels)["balanced_accuracy"]
        return {k: v for k, v in scores.items() if k != "n"}
