"""Scoring generated CelebA faces against the held-out real faces, in the attribute classifier's
feature space, with the same floor and memorisation checks as FER2013 (see evaluate.py).

An unconditional model's faces come as {"images": ...}; a model conditioned on an attribute (say
Smiling) comes as {"not_Smiling": ..., "Smiling": ...}, and is also scored on whether the
classifier sees the attribute it was asked for.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from facegan import visuals
from facegan.data.images import ImageSet
from facegan.errors import FaceganError
from facegan.metrics.attributes import AttributeClassifier
from facegan.metrics.classifier import accuracy_summary, predict
from facegan.metrics.evaluate import compare, inception_scores, memorisation


def class_labels(data: ImageSet, class_names: tuple[str, ...]) -> torch.Tensor:
    """Each image's class: 0 for every image of an unconditional model, else whether it has the attribute."""
    if len(class_names) == 1:
        return torch.zeros(len(data), dtype=torch.long)
    attribute = class_names[1]
    if data.attributes is None or attribute not in data.attribute_names:
        raise FaceganError(f"the real CelebA faces have no '{attribute}' attribute to compare with")
    return data.attributes[:, data.attribute_names.index(attribute)].long()


def evaluate_celeba(generated: dict[str, torch.Tensor], classifier: AttributeClassifier, train: ImageSet, test: ImageSet,
                    seed: int = 0, inception: torch.nn.Module | None = None) -> dict:
    class_names = tuple(generated)
    test_labels, train_labels = class_labels(test, class_names), class_labels(train, class_names)
    reference_counts = [int((test_labels == c).sum()) for c in range(len(class_names))]
    scale = min(1.0, *(len(generated[name]) / max(count, 1) for name, count in zip(class_names, reference_counts)))
    counts = {name: max(1, int(count * scale)) for name, count in zip(class_names, reference_counts)}
    candidate = torch.cat([generated[name][: counts[name]] for name in class_names])
    random = torch.Generator().manual_seed(seed)
    pick = lambda labels, c, k: (labels == c).nonzero().squeeze(1)[torch.randperm(int((labels == c).sum()), generator=random)[:k]]  # noqa: E731
    floor = train.images[torch.cat([pick(train_labels, c, counts[name]) for c, name in enumerate(class_names)])]
    real_test = test.images[torch.cat([pick(test_labels, c, counts[name]) for c, name in enumerate(class_names)])]

    _, reference_features = predict(classifier, test.images)
    candidate_logits, candidate_features = predict(classifier, candidate)
    floor_logits, floor_features = predict(classifier, floor)
    generated_fid, floor_fid = inception_scores(inception, candidate, floor, test.images)
    scores = {
        "classes": list(class_names),
        "counts": counts,
        "generated": {**compare(candidate_features, reference_features), **generated_fid},
        "floor": {**compare(floor_features, reference_features), **floor_fid},
        "memorisation": memorisation(candidate, train.images, real_test),
    }
    if len(class_names) == 2:
        column = classifier.attribute_names.index(class_names[1])
        intended = torch.cat([torch.full((counts[name],), c) for c, name in enumerate(class_names)])
        scores["generated"]["attribute"] = accuracy_summary((candidate_logits[:, column] > 0).long(), intended, class_names)
        scores["floor"]["attribute"] = accuracy_summary((floor_logits[:, column] > 0).long(), intended, class_names)
    return scores


def write_celeba_report(scores: dict, generated: dict[str, torch.Tensor], train: ImageSet, out: Path, title: str) -> Path:
    """eval.json, eval.md, samples.png and closest_pairs.png in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.json").write_text(json.dumps(scores, indent=2))
    visuals.save_grid(torch.cat([images[: 64 // len(generated)] for images in generated.values()]), out / "samples.png")
    candidate = torch.cat([generated[name][: scores["counts"][name]] for name in scores["classes"]])
    pairs = [image for index, nearest, _ in scores["memorisation"]["closest"] for image in (candidate[index], train.images[nearest])]
    visuals.save_grid(torch.stack(pairs), out / "closest_pairs.png", nrow=2)
    gen, floor, memo = scores["generated"], scores["floor"], scores["memorisation"]
    lines = [f"# {title}", "", f"Generated faces per class (proportions of the held-out real faces): {scores['counts']}", "",
             "| score | generated | floor (real train faces) |", "| --- | ---: | ---: |",
             f"| Fréchet distance (attribute classifier features) | {gen['frechet_distance']:.2f} | {floor['frechet_distance']:.2f} |",
             f"| KID | {gen['kid']:.4f} | {floor['kid']:.4f} |",
             f"| precision | {gen['precision']:.3f} | {floor['precision']:.3f} |",
             f"| recall | {gen['recall']:.3f} | {floor['recall']:.3f} |"]
    if "inception_fid" in gen:
        lines.append(f"| Inception FID (pt_inception weights) | {gen['inception_fid']:.2f} | {floor['inception_fid']:.2f} |")
    if "attribute" in gen:
        lines.append(f"| {scores['classes'][1]} accuracy (balanced) | {gen['attribute']['balanced_accuracy']:.3f} | "
                     f"{floor['attribute']['balanced_accuracy']:.3f} |")
    lines += ["", f"Memorisation: median pixel distance to the nearest training face {memo['median_nearest_train_distance']:.0f} "
              f"(real held-out faces: {memo['real_test_median_nearest_train_distance']:.0f}); "
              f"{memo['share_closer_than_real_test_1st_percentile']:.1%} of generated faces are closer to a training face "
              "than 99% of real held-out faces are.", "", "![samples](samples.png)", "", "Closest generated / training pairs:", "",
              "![closest pairs](closest_pairs.png)", ""]
    (out / "eval.md").write_text("\n".join(lines))
    return out / "eval.md"
