"""Scoring generated faces against real ones, and the report that shows the scores: one pipeline for
FER2013 and CelebA alike.

Generated faces come grouped by class: FER2013's expressions (`facegan sample`'s OUT/<expression>/
layout), a CelebA model's two attribute classes, or one group "images" of an unconditional colour
model. A `FeatureSpace` says, once per dataset, which network's features the scores use, where the
real faces come from and how classes are named; FER2013's also has an appearance network, a second
feature space that sees how a face is drawn, where the classifier's sees its expression. Every distance is computed twice at the same n: for
the generated faces, and for real training faces (the floor, the best value reachable) against the
same real reference, the held-out split.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from facegan import visuals
from facegan.config import EXPRESSIONS, Config
from facegan.data.images import ImageSet, list_images
from facegan.errors import FaceganError
from facegan.files import write_atomically
from facegan.metrics.classifier import accuracy_summary, predict
from facegan.metrics.distances import frechet_distance, kernel_inception_distance, nearest_neighbours, precision_recall, spread
from facegan.metrics.inception import load_inception


class FeatureSpace:
    """FER2013's: the expression classifier's features, its seven expressions, the test split as reference."""

    dataset, shape, features, groups_key, accuracy_key = "FER2013", (1, 48, 48), "classifier features", "expressions", "expression"

    def load_network(self, path: str | Path | None) -> nn.Module:
        from facegan.metrics.classifier import SHIPPED_WEIGHTS, load_classifier

        return load_classifier(path or SHIPPED_WEIGHTS)[0]

    def load_appearance(self) -> nn.Module | None:
        """The label-free network whose features judge realism (facegan.metrics.appearance), if the dataset has one."""
        from facegan.metrics.appearance import load_appearance_network

        return load_appearance_network()[0]

    def load_split(self, data: str | Path, split: str) -> ImageSet:
        from facegan.data import load_fer2013

        return load_fer2013(data, split)

    def class_names(self, groups: list[str]) -> tuple[str, ...]:
        """The classes the network tells apart, in label order."""
        return EXPRESSIONS

    def class_of(self, group: str, groups: list[str]) -> int:
        return EXPRESSIONS.index(group)

    def labels(self, data: ImageSet, groups: list[str]) -> torch.Tensor:
        return data.labels

    def predicted(self, network: nn.Module, logits: torch.Tensor, groups: list[str]) -> torch.Tensor | None:
        """The class the network sees in each face, or None where there are no classes to score."""
        return logits.argmax(1)


class CelebaSpace(FeatureSpace):
    """CelebA's: the attribute classifier's features, the held-out faces as reference, and for a model
    conditioned on an attribute (groups not_X and X) whether the classifier sees X."""

    dataset, shape, features, groups_key, accuracy_key = "CelebA", (3, 64, 64), "attribute classifier features", "classes", "attribute"

    def load_network(self, path: str | Path | None) -> nn.Module:
        from facegan.metrics.attributes import SHIPPED_WEIGHTS, load_attribute_classifier

        return load_attribute_classifier(path or SHIPPED_WEIGHTS)[0]

    def load_appearance(self) -> nn.Module | None:
        return None  # none trained for CelebA yet: its attribute features see more than one property

    def load_split(self, data: str | Path, split: str) -> ImageSet:
        from facegan.data import load_celeba

        return load_celeba(data, split)

    def class_names(self, groups: list[str]) -> tuple[str, ...]:
        return tuple(groups)

    def class_of(self, group: str, groups: list[str]) -> int:
        return groups.index(group)

    def labels(self, data: ImageSet, groups: list[str]) -> torch.Tensor:
        """0 for every face of an unconditional model, else whether the face has the attribute."""
        if len(groups) == 1:
            return torch.zeros(len(data), dtype=torch.long)
        attribute = groups[1]
        if data.attributes is None or attribute not in data.attribute_names:
            raise FaceganError(f"the real CelebA faces have no '{attribute}' attribute to compare with")
        return data.attributes[:, data.attribute_names.index(attribute)].long()

    def predicted(self, network: nn.Module, logits: torch.Tensor, groups: list[str]) -> torch.Tensor | None:
        if len(groups) == 1:
            return None
        return (logits[:, network.attribute_names.index(groups[1])] > 0).long()


FER2013, CELEBA = FeatureSpace(), CelebaSpace()
SPACES = {"fer2013": FER2013, "celeba": CELEBA}


def feature_space(config: Config) -> FeatureSpace:
    """The feature space a model is measured in: its dataset's, and for an image folder, which has no
    classes of its own, the one of its faces' shape (FER2013's for grayscale, CelebA's for colour)."""
    return SPACES.get(config.dataset) or (FER2013 if config.channels == 1 else CELEBA)


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


def matched_subsample(images: torch.Tensor, labels: torch.Tensor, classes: dict[str, int], counts: dict[str, int],
                      seed: int) -> torch.Tensor:
    """`counts[g]` random images of each group g's class `classes[g]` (fewer if there are fewer)."""
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for group, count in counts.items():
        members = (labels == classes[group]).nonzero().squeeze(1)
        chosen.append(members[torch.randperm(len(members), generator=generator)[:count]])
    return images[torch.cat(chosen)]


def diversity(features: torch.Tensor, labels: torch.Tensor, reference_features: torch.Tensor, reference_labels: torch.Tensor,
              classes: dict[str, int]) -> dict:
    """Each class's spread of faces in the network's feature space, as a share of the real reference
    faces' spread for that class (1: as varied as real faces; near 0: one face over and over), and the
    mean over classes. A pixel spread would count blotchy noise as variety. Classes with fewer than two
    reference faces have no spread to compare with and are left out."""
    references = {group: spread(reference_features[reference_labels == label]) for group, label in classes.items()}
    per_class = {group: spread(features[labels == label]) / references[group] for group, label in classes.items() if references[group] > 0}
    return {"mean": sum(per_class.values()) / len(per_class) if per_class else float("nan"), "per_class": per_class}


def appearance_scores(appearance: nn.Module | None, candidate: torch.Tensor, floor: torch.Tensor,
                      reference: torch.Tensor) -> tuple[dict, dict]:
    """Fréchet distance, KID and precision/recall in the appearance network's features, of the candidate and the floor."""
    if appearance is None:
        return {}, {}
    _, reference_features = predict(appearance, reference)
    return ({"appearance": compare(predict(appearance, candidate)[1], reference_features)},
            {"appearance": compare(predict(appearance, floor)[1], reference_features)})


def evaluate(generated: dict[str, torch.Tensor], space: FeatureSpace, network: nn.Module, train: ImageSet, test: ImageSet,
             seed: int = 0, inception: nn.Module | None = None, appearance: nn.Module | None = None) -> dict:
    """All scores for faces generated per group (class). See the module docstring for the floor."""
    groups = list(generated)
    classes = {group: space.class_of(group, groups) for group in groups}
    test_labels, train_labels = space.labels(test, groups), space.labels(train, groups)
    in_reference = torch.isin(test_labels, torch.tensor(list(classes.values())))
    reference, reference_labels = test.images[in_reference], test_labels[in_reference]
    # The reference's class proportions decide how many faces of each group enter the distances.
    reference_counts = {group: int((reference_labels == label).sum()) for group, label in classes.items()}
    scale = min(len(generated[group]) / max(reference_counts[group], 1) for group in groups)
    counts = {group: max(1, int(reference_counts[group] * min(scale, 1.0))) for group in groups}
    candidate = torch.cat([generated[group][: counts[group]] for group in groups])
    floor = matched_subsample(train.images, train_labels, classes, counts, seed)
    _, reference_features = predict(network, reference)

    labels = torch.cat([torch.full((len(generated[group]),), label) for group, label in classes.items()])
    logits, generated_features = predict(network, torch.cat(list(generated.values())))
    _, candidate_features = predict(network, candidate)
    floor_logits, floor_features = predict(network, floor)
    floor_labels = torch.cat([torch.full((counts[group],), label) for group, label in classes.items()])
    generated_fid, floor_fid = inception_scores(inception, candidate, floor, reference)
    generated_appearance, floor_appearance = appearance_scores(appearance, candidate, floor, reference)
    scores = {
        space.groups_key: groups,
        "counts": counts,
        "generated": {**compare(candidate_features, reference_features), **generated_fid, **generated_appearance,
                      "diversity": diversity(generated_features, labels, reference_features, reference_labels, classes)},
        "floor": {**compare(floor_features, reference_features), **floor_fid, **floor_appearance,
                  "diversity": diversity(floor_features, floor_labels, reference_features, reference_labels, classes)},
        "memorisation": memorisation(candidate, train.images, matched_subsample(test.images, test_labels, classes, counts, seed)),
    }
    predicted, floor_predicted = space.predicted(network, logits, groups), space.predicted(network, floor_logits, groups)
    if predicted is not None:
        names = space.class_names(groups)
        scores["generated"][space.accuracy_key] = accuracy_summary(predicted, labels, names)
        scores["floor"][space.accuracy_key] = accuracy_summary(floor_predicted, floor_labels, names)
    return scores


def write_report(scores: dict, generated: dict[str, torch.Tensor], train: ImageSet, out: Path, title: str,
                 space: FeatureSpace = FER2013) -> Path:
    """eval.json, eval.md and its pictures (samples, confusion matrix, closest training pairs) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / "eval.json", lambda temporary: temporary.write_text(json.dumps(scores, indent=2)))
    groups = scores[space.groups_key]
    per_group = max(1, 64 // len(generated) // 8 * 8)  # one or more whole rows of 8 per group
    visuals.save_grid(torch.cat([images[:per_group] for images in generated.values()]), out / "samples.png")
    candidate = torch.cat([generated[group][: scores["counts"][group]] for group in groups])
    pairs = [image for index, nearest, _ in scores["memorisation"]["closest"] for image in (candidate[index], train.images[nearest])]
    visuals.save_grid(torch.stack(pairs), out / "closest_pairs.png", nrow=2)
    gen, floor, memo = scores["generated"], scores["floor"], scores["memorisation"]
    rows = [(f"Fréchet distance ({space.features})", "frechet_distance", ".2f"), ("KID", "kid", ".4f"),
            ("precision", "precision", ".3f"), ("recall", "recall", ".3f")]
    lines = [f"# {title}", "", f"Generated faces per class (proportions of the {space.dataset} held-out faces): {scores['counts']}", "",
             "| score | generated | floor (real train faces) |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {gen[key]:{fmt}} | {floor[key]:{fmt}} |" for name, key, fmt in rows]
    if "appearance" in gen:
        lines += [f"| {name} (appearance features) | {gen['appearance'][key]:{fmt}} | {floor['appearance'][key]:{fmt}} |"
                  for name, key, fmt in (("Fréchet distance", "frechet_distance", ".2f"), ("KID", "kid", ".4f"))]
    if "inception_fid" in gen:
        lines.append(f"| Inception FID (pt_inception weights) | {gen['inception_fid']:.2f} | {floor['inception_fid']:.2f} |")
    pictures = "![samples](samples.png)"
    if space.accuracy_key in gen:
        what = "expression" if space.accuracy_key == "expression" else groups[1]
        accuracy, floor_accuracy = gen[space.accuracy_key], floor[space.accuracy_key]
        lines += [f"| {what} accuracy | {accuracy['accuracy']:.3f} | {floor_accuracy['accuracy']:.3f} |",
                  f"| balanced {what} accuracy | {accuracy['balanced_accuracy']:.3f} | {floor_accuracy['balanced_accuracy']:.3f} |"]
        visuals.save_confusion_matrix(accuracy["confusion"], space.class_names(groups), out / "confusion.png")
        pictures += " ![confusion](confusion.png)"
    lines += [f"| diversity (feature spread within a class; real held-out faces = 1) | {gen['diversity']['mean']:.3f} | "
              f"{floor['diversity']['mean']:.3f} |", ""]
    if space.accuracy_key in gen:
        lines += ["Per class (classifier accuracy on generated faces): "
                  + ", ".join(f"{name} {value:.2f}" for name, value in gen[space.accuracy_key]["per_class"].items()), ""]
    lines += [f"Memorisation: median pixel distance to the nearest training face {memo['median_nearest_train_distance']:.0f} "
              f"(real held-out faces: {memo['real_test_median_nearest_train_distance']:.0f}); "
              f"{memo['share_closer_than_real_test_1st_percentile']:.1%} of generated faces are closer to a training face "
              "than 99% of real held-out faces are.", "", pictures, "", "Closest generated / training pairs:", "",
              "![closest pairs](closest_pairs.png)", ""]
    write_atomically(out / "eval.md", lambda temporary: temporary.write_text("\n".join(lines)))
    return out / "eval.md"


def evaluate_run(generated: dict[str, torch.Tensor], data: str | Path, out: Path, title: str, network_path: str | Path | None = None,
                 inception_weights: str | Path | None = None, space: FeatureSpace = FER2013) -> tuple[dict, Path]:
    """Score generated faces against the dataset at `data` (its train and held-out faces) and write the report into `out`."""
    for group, images in generated.items():
        if images.shape[1:] != space.shape:
            raise FaceganError(f"generated '{group}' faces are {tuple(images.shape[1:])}; {space.dataset} scores need "
                               f"{space.shape[1]}x{space.shape[2]} {'grayscale' if space.shape[0] == 1 else 'colour'}")
    network = space.load_network(network_path)
    inception = load_inception(inception_weights) if inception_weights else None
    train, test = space.load_split(data, "train"), space.load_split(data, "test")
    scores = evaluate(generated, space, network, train, test, inception=inception, appearance=space.load_appearance())
    return scores, write_report(scores, generated, train, out, title, space)


def evaluate_checkpoint(checkpoint: str | Path, n: int = 1000, data: str | None = None, out: str | Path | None = None,
                        network_path: str | Path | None = None, inception_weights: str | Path | None = None) -> tuple[dict, Path]:
    """Generate n faces (per class, for conditional models) from a FER2013 or CelebA run and score
    them; the report goes to RUN/eval/ by default."""
    from facegan.sampling import generate
    from facegan.models.checkpoint import load_generator, run_folder

    config, generator = load_generator(checkpoint)
    if config.dataset not in SPACES:
        raise FaceganError(f"this checkpoint was trained on {config.dataset}; facegan eval scores FER2013 and CelebA models")
    run_dir = run_folder(checkpoint)
    if config.conditional:
        generated = {name: generate(generator, n, label=label) for label, name in enumerate(config.class_names)}
    else:
        generated = {config.expression or "images": generate(generator, n)}
    return evaluate_run(generated, data or config.data, Path(out or run_dir / "eval"), f"Evaluation of {run_dir}", network_path,
                        inception_weights, SPACES[config.dataset])


def headline(scores: dict) -> str:
    """The one line `facegan eval` prints."""
    generated = scores["generated"]
    line = f"Fréchet distance {generated['frechet_distance']:.2f} (floor {scores['floor']['frechet_distance']:.2f})"
    if "appearance" in generated:
        line += (f", in appearance features {generated['appearance']['frechet_distance']:.2f} "
                 f"(floor {scores['floor']['appearance']['frechet_distance']:.2f})")
    if "expression" in generated:
        line += f", balanced expression accuracy {generated['expression']['balanced_accuracy']:.3f}"
    if "attribute" in generated:
        line += f", balanced {scores['classes'][1]} accuracy {generated['attribute']['balanced_accuracy']:.3f}"
    return line
