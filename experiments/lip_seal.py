"""What closing the lips adds where the geometry engine turns a face with parted lips sad or neutral.

Photos (`--photos`): the astronaut, the scene and the Obama portrait at full resolution, turned sad and neutral
by the mean move alone (which squeezes a smile's teeth into a thin band) and with the seal (shipped), the
mouth cropped large; writes OUT/lip_seal.jpg.

CelebA (`--celeba`): the held-out faces (the last 1,000; the first 400 of them) whose parted lips are widest,
upscaled twice as experiments/celeba_smile.py does, sealed without geometry.WIDEST_SEAL's limit and turned
neutral and sad; writes OUT/widest.png (per face: the photo, neutral, sad) and prints each face's gap.

FER2013 (`--data`): test faces with parted lips, edited both ways at 48 pixels, where the shipped engine does
not seal (geometry.SEAM_RESOLUTION; here each face is handed over at twice its size so it is sealed), read
after eval-edit's blur and JPEG by the robust and the plain classifier: how often the target is read and how
often the face's own expression still is, and the paint share; writes OUT/strips.png (per face: the face,
then sad and neutral without the seal, then with it).

    python experiments/lip_seal.py --photos --out docs
    python experiments/lip_seal.py --celeba ../shared/data/celeba
    python experiments/lip_seal.py --data ../shared/data/fer2013 --n 300
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from facegan import visuals
from facegan.data import load_fer2013
from facegan.editing import geometry as geometry_module
from facegan.editing.align import FRAME, Alignment
from facegan.metrics.classifier_numpy import expressions
from facegan.editing.geometry import GAIN, GeometryEngine, field_for
from facegan.metrics.classifier import ROBUST_WEIGHTS, SHIPPED_WEIGHTS, load_classifier, predict
from facegan.metrics.marks import blurred_and_compressed, paint_shares

TARGETS = ("sad", "neutral")
CROP_WIDTH = 260
"""Pixels: each mouth crop of the photo figure is enlarged (or shrunk) to this width."""


def photo_figure(out: Path) -> None:
    """The figure, and the photo scores of the sealed edits over the face's region with and without the mouth."""
    import cv2
    from engine_photos import face_square, photos

    from facegan.editing.faces import pick_faces
    from facegan.editing.landmarks import photo_landmarks
    from facegan.metrics.marks import photo_scores

    engine = GeometryEngine.load()
    pictures, rows = photos(), []
    for name in ("astronaut", "scene", "obama"):
        photo = pictures[name]
        points = photo_landmarks(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), pick_faces(photo)[0], 68)
        centre, half = points[48:60].mean(0), 1.1 * (points[54, 0] - points[48, 0])
        left, top = int(centre[0] - half), int(centre[1] - 0.6 * half)
        box = (left, top, int(left + 2 * half), int(top + 1.2 * half))
        region, _ = face_square(photo)
        mouth = np.zeros(photo.shape[:2], np.uint8)
        cv2.fillConvexPoly(mouth, cv2.convexHull(np.round(points[48:60]).astype(np.int32)), 1)
        mouth = cv2.dilate(mouth, np.ones((3, 3), np.uint8), iterations=max(1, int(0.15 * (points[54, 0] - points[48, 0]))))
        edits = engine.edit_faces(photo)
        shipped_resolution, geometry_module.SEAM_RESOLUTION = geometry_module.SEAM_RESOLUTION, float("inf")
        unsealed = engine.edit_faces(photo)
        geometry_module.SEAM_RESOLUTION = shipped_resolution
        columns = [photo]
        for target in TARGETS:
            sealed = engine.render(photo, edits, target)
            whole, rest = photo_scores(photo, sealed, region), photo_scores(photo, sealed, region * (1 - mouth))
            print(f"{name}, {target}, sealed: sharpness {whole['sharpness']:.3f} over the face, {rest['sharpness']:.3f} "
                  f"without the mouth; paint share {whole['paint_share']:.2f}, {rest['paint_share']:.2f}")
            columns += [engine.render(photo, unsealed, target), sealed]
        crops = [Image.fromarray(picture).crop(box) for picture in columns]
        height = round(CROP_WIDTH * crops[0].height / crops[0].width)
        rows.append([crop.resize((CROP_WIDTH, height), Image.LANCZOS) for crop in crops])
    names = ["photo", *(f"{target}, {kind}" for target in TARGETS for kind in ("mean move", "sealed"))]
    header = 16
    sheet = Image.new("RGB", (CROP_WIDTH * len(names), header + sum(row[0].height for row in rows)), "white")
    draw, y = ImageDraw.Draw(sheet), header
    for column, title in enumerate(names):
        draw.text((column * CROP_WIDTH + 4, 2), title, fill="black")
    for row in rows:
        for column, crop in enumerate(row):
            sheet.paste(crop, (column * CROP_WIDTH, y))
        y += row[0].height
    sheet.save(out / "lip_seal.jpg", quality=90)
    print(f"wrote {out / 'lip_seal.jpg'}")


def widest_celeba(data: str, out: Path, faces: int = 400, shown: int = 6) -> None:
    """The CelebA faces with the widest parted lips, sealed without the width limit."""
    import cv2

    from facegan.errors import FaceganError

    geometry_module.WIDEST_SEAL = float("inf")
    engine = GeometryEngine.load()
    found = []
    for path in sorted((Path(data) / "img_align_celeba").glob("*.jpg"))[-1000:][:faces]:
        photo = np.asarray(Image.open(path).convert("RGB"))
        photo = cv2.resize(photo, (photo.shape[1] * 2, photo.shape[0] * 2), interpolation=cv2.INTER_CUBIC)
        try:
            edits = engine.edit_faces(photo)
        except FaceganError:
            continue
        landmarks = next((seal for seal in edits[0].prepared[3] if seal is not None), None)
        if landmarks is not None:
            eyes = np.linalg.norm(landmarks[36:42].mean(0) - landmarks[42:48].mean(0))
            found.append(((landmarks[[67, 66, 65], 1] - landmarks[[61, 62, 63], 1]).max() / eyes, path.name, photo, edits))
    found.sort(key=lambda item: -item[0])
    rows = []
    for gap, name, photo, edits in found[:shown]:
        print(f"{name}: lips parted by {gap:.3f} eye distances")
        rows.append(np.hstack([photo, engine.render(photo, edits, "neutral"), engine.render(photo, edits, "sad")]))
    Image.fromarray(np.vstack(rows)).save(out / "widest.png")


def fer_scores(data: str, n: int, out: Path) -> None:
    test = load_fer2013(data, "test")
    engine = GeometryEngine.load()
    names = engine.config.class_names
    labels = [names.index(name) for name in TARGETS]
    doubled = Alignment(np.array([[0.5, 0, -0.25], [0, 0.5, -0.25]]), FRAME)
    order = torch.randperm(len(test), generator=torch.Generator().manual_seed(0))
    faces, sources, plain, sealed = [], [], [], []
    for index in order.tolist():
        face = test.images[index]
        source = expressions(face[None])[0]
        if source in labels:
            continue
        picture = np.repeat(np.repeat(np.repeat(face.permute(1, 2, 0).numpy(), 3, axis=2), 2, 0), 2, 1)
        fields, seals, _ = engine.face_fields(picture, doubled, face, source)
        if seals[labels[0]] is None:
            continue
        faces.append(face)
        sources.append(source)
        sealed.append(engine.moved_faces(face, fields[labels], [seals[label] for label in labels]))
        moves = [field_for(seals[label], GAIN * engine.geometry.move(source, label)) for label in labels]
        plain.append(engine.moved_faces(face, np.stack(moves)))
        if len(faces) == n:
            break
    faces, sources, plain, sealed = torch.stack(faces), torch.tensor(sources), torch.stack(plain), torch.stack(sealed)
    print(f"{len(faces)} faces with parted lips; their own expressions: "
          + ", ".join(f"{names[k]} {int((sources == k).sum())}" for k in range(len(names)) if (sources == k).any()))
    for weights, tag in ((ROBUST_WEIGHTS, "robust"), (SHIPPED_WEIGHTS, "plain")):
        classifier, _ = load_classifier(weights)
        for title, edits in (("mean move", plain), ("with the seal", sealed)):
            cells = []
            for column, (name, label) in enumerate(zip(TARGETS, labels)):
                read = predict(classifier, blurred_and_compressed(edits[:, column]))[0].argmax(1)
                cells.append(f"{name}: target {float((read == label).float().mean()):.3f}, own {float((read == sources).float().mean()):.3f}")
            print(f"{tag} classifier after blur and JPEG, {title}: " + "; ".join(cells))
    for title, edits in (("mean move", plain), ("with the seal", sealed)):
        shares = paint_shares(faces.repeat_interleave(len(TARGETS), 0), edits.flatten(0, 1))
        print(f"paint share, {title}: {float(shares.mean()):.2f}")
    rows = [torch.cat([faces[i : i + 1], plain[i], sealed[i]]) for i in range(min(12, len(faces)))]
    visuals.save_labelled_grid(torch.cat(rows), out / "strips.png", ["face", *(f"{t}, mean move" for t in TARGETS), *(f"{t}, sealed" for t in TARGETS)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", action="store_true", help="the photo figure")
    parser.add_argument("--celeba", help="CelebA, for its widest parted lips")
    parser.add_argument("--data", help="FER2013, for the scores on its test faces")
    parser.add_argument("--n", type=int, default=300, help="test faces with parted lips")
    parser.add_argument("--out", default="runs/lip_seal")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.photos:
        photo_figure(out)
    if args.data:
        fer_scores(args.data, args.n, out)
    if args.celeba:
        widest_celeba(args.celeba, out)


if __name__ == "__main__":
    main()
