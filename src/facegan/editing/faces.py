"""Finding faces in a photo and cutting them out the way the model's training faces were cut.

Detection uses OpenCV's frontal-face Haar cascade, which ships inside the opencv-python 4.x wheels
(the 5.0 wheels dropped the cascades, hence the pin). It is the same kind of detector FER2013 itself
was collected with, so its boxes frame a face much as FER2013's crops do.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from facegan.editing.jpeg_blocks import JpegSource, write_with_own_blocks
from facegan.errors import FaceganError
from facegan.files import write_atomically

MIN_FACE = 40  # the narrowest face found, in pixels; the message for a photo without a face says the same
SEARCH_SIDES = (400, 1600)
"""A photo longer than the last is searched for its largest face in copies this long first, the smallest first."""
ROLLS = (-30, 30, -60, 60, -90, 90)
"""Degrees a photo is turned by, one after another, to look for faces where none is found upright: the cascade finds
faces rolled by up to about 20 degrees (a head tilted to a shoulder, a photo taken sideways without an EXIF
orientation), so turns 30 degrees apart cover every roll up to a quarter turn either way (docs/results.md)."""
HAAR_TO_HOG = (0.05, 0.11, 0.90)
"""dlib's HOG detector's box from a Haar box of side s: left + 0.05 s, top + 0.11 s, side 0.90 s (on 150 CelebA
faces; docs/results.md). dlib's landmark predictors were trained inside the HOG detector's boxes."""
HOG_UPSAMPLE_SIDE = 800
"""A copy no longer than this is searched by the HOG detector at twice its size, so that faces of MIN_FACE pixels are
found (its window is 80 pixels); a longer one at its own."""
HOG_SCORE = 0.3
"""The least score of a face that dlib's HOG detector finds (`hog_faces`): the astronaut's suit scores 0.12; of the
34 held-out CelebA faces it finds where the cascade finds none, 30 score more (median 0.7; docs/results.md)."""
HOG_NEAR = -0.5
"""The least score of the HOG detector's response near a box without an eye for that box to be taken: the seven real
faces in sunglasses that it scores under HOG_SCORE score -0.08 to 0.30 there; the two boxes the cascade takes in
skimage's coffee photo, scaled to 4000x6000, get no response at -1 (docs/results.md)."""
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is the largest that is edited; bigger is refused before decoding
MARGIN = {"fer2013": 1.15, "celeba": 1.6, "folder": 1.6}
"""How much wider than the detector's box the crop is, per training dataset: FER2013 faces are tight
(brow to chin), CelebA's aligned 64x64 crops keep hair and chin (as image folders of faces usually do)."""


@dataclass(frozen=True)
class Box:
    """A square region of the photo in pixels: left, top and side."""

    left: int
    top: int
    size: int
    roll: float = 0.0
    """Degrees (counterclockwise as the photo is shown, OpenCV's sense) that turn the face upright about the box's
    centre: a face found in a turned copy of the photo (ROLLS). The box is the square around its centre in the photo."""

    @property
    def centre(self) -> np.ndarray:
        return np.array([self.left + self.size / 2, self.top + self.size / 2])


HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
"""The brands a HEIF file (an iPhone's HEIC photo) names in its first box; PIL reads AVIF itself."""
HEIF_SUFFIXES = (".heic", ".heif")
GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L")
PROFILED_MODES = ("RGB", "RGBA", "RGBX", "P", "PA", *GREY_MODES)
"""Modes whose colour profile still describes the pixels once read as RGB (a CMYK photo's profile does not)."""


@dataclass
class PhotoFile:
    """What an edit keeps of a photo's file besides its pixels, so that only the face changes: its
    transparency, its colour profile (without it a wide-gamut photo's colours shift in every colour-managed
    viewer), its EXIF (with no orientation: the pixels are read upright, and no thumbnail of the unedited
    face), whether it is grey, and a JPEG's own quantization tables and chroma subsampling, with the file itself
    and its pixels as read: written with them, the file keeps its size and the blocks an edit leaves alone are
    the photo's own (facegan.editing.jpeg_blocks)."""

    alpha: np.ndarray | None = None  # (H, W) uint8, None for an opaque photo
    icc_profile: bytes | None = None
    exif: bytes | None = None
    grey: bool = False
    jpeg: dict | None = None  # a JPEG's qtables (and a colour one's subsampling), for PIL's JPEG writer
    jpeg_source: JpegSource | None = None  # the JPEG and its pixels, where its blocks line up with them (no EXIF rotation)


def read_photo(path: str | Path, shown_as: str | None = None) -> np.ndarray:
    """The photo as an RGB uint8 array (H, W, 3), or a clear error for a missing, corrupt or huge file."""
    return read_photo_file(path, shown_as)[0]


def read_photo_file(path: str | Path, shown_as: str | None = None) -> tuple[np.ndarray, PhotoFile]:
    """The photo as RGB (H, W, 3), upright by its EXIF orientation, and what `save_photo` keeps of its file.
    Messages name the photo `shown_as` (the web page's upload name, not the server's temporary path), by
    default its path."""
    path = Path(path)
    name = shown_as or str(path)
    if not path.is_file():
        raise FaceganError(f"photo '{name}' does not exist")
    with open(path, "rb") as file:
        start = file.read(12)
    if start[4:8] == b"ftyp" and start[8:12] in HEIF_BRANDS:
        heif_support(f"'{name}' is a HEIC photo")
    try:
        with Image.open(path) as image:  # reads the header only: the size is checked before decoding
            if image.width * image.height > MAX_PIXELS:
                raise FaceganError(f"'{name}' is {image.width}x{image.height}: photos up to {MAX_PIXELS // 1_000_000} megapixels "
                                   "can be edited, so scale it down first")
            upright = ImageOps.exif_transpose(image)
            alpha = np.asarray(upright.convert("RGBA"))[..., 3].copy() if upright.has_transparency_data else None
            exif = upright.getexif()
            kept = PhotoFile(alpha, image.info.get("icc_profile") if image.mode in PROFILED_MODES else None,
                             exif.tobytes() if len(exif) else None, image.mode in GREY_MODES, jpeg_settings(image))
            pixels = to_rgb(upright)
            if kept.jpeg is not None and image.getexif().get(ExifTags.Base.Orientation, 1) == 1:
                kept.jpeg_source = JpegSource(path.read_bytes(), pixels)
            return pixels, kept
    except Image.DecompressionBombError:  # PIL's own limit, far above ours, refuses before we can look
        raise FaceganError(f"'{name}' is too large: photos up to {MAX_PIXELS // 1_000_000} megapixels can be edited") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise FaceganError(f"'{name}' is not a readable image (JPEG, PNG, WebP, AVIF, HEIC, ...)") from None


def heif_support(why: str) -> None:
    """Let PIL read and write HEIC through pillow-heif (the `heic` extra), or say how to install it."""
    try:
        import pillow_heif
    except ImportError:
        raise FaceganError(f"{why} (an iPhone's own format): install facegan's HEIC support with pip install 'facegan[heic]'") from None
    pillow_heif.register_heif_opener()


def jpeg_settings(image: Image.Image) -> dict | None:
    """A JPEG's quantization tables, and a colour one's chroma subsampling, as PIL's JPEG writer takes them; None
    for another format, or a JPEG PIL cannot write alike (CMYK, an unusual subsampling)."""
    if image.format != "JPEG" or image.mode not in ("RGB", "L"):
        return None
    if image.mode == "L":
        return {"qtables": image.quantization}
    sampling = JpegImagePlugin.get_sampling(image)
    return {"qtables": image.quantization, "subsampling": sampling} if sampling >= 0 else None


def to_rgb(image: Image.Image) -> np.ndarray:
    """An RGB uint8 array of any photo: 16-bit and 32-bit grayscale scaled down to 8 bits (PIL's own
    conversion clips them, so a 16-bit photo turns almost white)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        wide = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or wide.max() > 255 else 255.0
        image = Image.fromarray(np.clip(wide * 255.0 / top + 0.5, 0, 255).astype(np.uint8), "L")
    return np.asarray(image.convert("RGB")).copy()


@functools.cache
def cascade(name: str):
    """One of the Haar cascades inside the opencv-python 4.x wheels."""
    import cv2

    loaded = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if loaded.empty():
        raise FaceganError(f"OpenCV's {name} is missing: install opencv-python-headless 4.x (5.0 ships no cascades)")
    return loaded


@functools.cache
def hog_detector():
    """dlib's frontal HOG face detector, built once per process (0.3 s each time)."""
    import dlib

    return dlib.get_frontal_face_detector()


def detect_faces(photo: np.ndarray, sizes: tuple[int, int] | None = None) -> list[Box]:
    """Frontal faces at least MIN_FACE pixels wide in an RGB photo, as square boxes ordered left to right
    (so --face 0 is the leftmost); with `sizes`, only the cascade's windows between those sides. Boxes in which no
    eye is found (a texture the face cascade took for a face) are dropped, unless no box has one (sunglasses, a
    turned head): then all are kept."""
    with_eyes, without = face_boxes(photo, sizes)
    return with_eyes or without


def face_boxes(photo: np.ndarray, sizes: tuple[int, int] | None = None) -> tuple[list[Box], list[Box]]:
    """The cascade's faces (as `detect_faces`), those in which an eye is found and those in which none is, each
    ordered left to right."""
    import cv2

    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)  # no histogram equalisation: over a whole scene it hides small faces
    # Searched from 3/4 of the smallest face up: the cascade's hits on a face start a little wider than the face, so a
    # search from MIN_FACE itself missed faces of MIN_FACE to MIN_FACE + 8 pixels. 8 overlapping hits (OpenCV's
    # example uses 3-5) keep most false faces in clothes and textures out.
    smallest, largest = sizes or (MIN_FACE * 3 // 4, 0)
    found = cascade("haarcascade_frontalface_default.xml").detectMultiScale(
        grey, scaleFactor=1.1, minNeighbors=8, minSize=(smallest, smallest), maxSize=(largest, largest))
    boxes = sorted((Box(int(x), int(y), int(max(w, h))) for x, y, w, h in found if max(w, h) >= MIN_FACE), key=lambda box: box.left)
    eyes = [has_eyes(grey, box) for box in boxes]
    return [box for box, eye in zip(boxes, eyes) if eye], [box for box, eye in zip(boxes, eyes) if not eye]


def has_eyes(grey: np.ndarray, box: Box) -> bool:
    """Whether OpenCV's eye cascade (the one that also finds eyes behind glasses) sees an eye in the band of
    the box where eyes are, scaled to 120 pixels. On 273 CelebA faces it finds one in 92%; on 28 false
    faces in textures and noise, in 2 (docs/results.md)."""
    import cv2

    side = 120
    region = grey[box.top : box.top + box.size, box.left : box.left + box.size]
    region = cv2.resize(region, (side, side), interpolation=cv2.INTER_AREA if box.size > side else cv2.INTER_CUBIC)
    band = region[int(0.15 * side) : int(0.55 * side)]
    return len(cascade("haarcascade_eye_tree_eyeglasses.xml").detectMultiScale(band, 1.05, 2, minSize=(10, 10))) > 0


def largest_face_in_a_copy(photo: np.ndarray) -> Box | None:
    """The largest face of a photo longer than the last of SEARCH_SIDES, found in a copy of each size in turn until
    one shows a face (None if none does), then found again at the photo's own resolution in the region around it,
    among windows of about its size. The cascade's time goes on the smallest faces it looks for: on a 16-megapixel
    photo this takes 0.17 s where the whole search takes 3.2 and a 1,600-pixel copy alone 0.86 (2-core AMD EPYC,
    benchmarks/large_photo.py). The faces a copy is too small to show are smaller than any face it can show, so where
    it shows one, the largest is among those; the box found again is the photo's own, not a copy's scaled up."""
    import cv2

    longest = max(photo.shape[:2])
    if longest <= SEARCH_SIDES[-1]:
        return None
    for side in SEARCH_SIDES:
        scale = side / longest
        found = detect_faces(cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        if found:
            box = max(found, key=lambda box: box.size)
            return found_again(photo, Box(int(round(box.left / scale)), int(round(box.top / scale)), int(round(box.size / scale))))
    return None


def found_again(photo: np.ndarray, box: Box) -> Box:
    """A box found in a smaller copy of the photo, found again by the cascade in the photo itself, within one box's
    side of it and between 0.6 and 1.6 times its size; the box itself where the cascade finds none there."""
    left, top = max(box.left - box.size, 0), max(box.top - box.size, 0)
    region = photo[top : box.top + 2 * box.size, left : box.left + 2 * box.size]
    again = detect_faces(region, (int(0.6 * box.size), int(1.6 * box.size)))
    if not again:
        return box
    nearest = min(again, key=lambda found: abs(found.left + left - box.left) + abs(found.top + top - box.top) + abs(found.size - box.size))
    return Box(nearest.left + left, nearest.top + top, nearest.size)


def rolled_faces(photo: np.ndarray, every_turn: bool = False) -> list[Box]:
    """Faces the cascade finds in copies of the photo turned by each of ROLLS, mapped back onto the photo, each with the
    roll that turns it upright; only those with an eye (the eye check is not waived here, since each turn is another
    chance at a false face). The turns are searched until one shows a face, or with `every_turn` all of them; the
    boxes come turn by turn, each turn's largest first. A photo longer than the last of SEARCH_SIDES is searched in a
    copy that long."""
    import cv2

    scale = min(1.0, SEARCH_SIDES[-1] / max(photo.shape[:2]))
    small = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else photo
    found = []
    for roll in ROLLS:
        turned, turning = turned_photo(small, roll)
        back = cv2.invertAffineTransform(turning)
        for box in sorted(face_boxes(turned)[0], key=lambda box: -box.size):
            centre = back @ np.array([box.left + box.size / 2 - 0.5, box.top + box.size / 2 - 0.5, 1.0])
            size = box.size / scale
            centre_x, centre_y = (centre + 0.5) / scale - 0.5
            found.append(Box(round(centre_x + 0.5 - size / 2), round(centre_y + 0.5 - size / 2), round(size), float(roll)))
        if found and not every_turn:
            break
    return found


def hog_faces(photo: np.ndarray) -> list[tuple[Box, float]]:
    """Faces dlib's HOG detector finds with a score of HOG_NEAR or more, with their scores, as the Haar boxes that hold
    them (HAAR_TO_HOG), at least MIN_FACE pixels wide, ordered left to right; a photo longer than the last of SEARCH_SIDES
    is searched in a copy that long. Of 1,000 held-out CelebA faces (upscaled twice) the cascade finds none in 56, most
    behind dark sunglasses or turned from the camera, and this finds 30 of those with HOG_SCORE or more (docs/results.md)."""
    import cv2

    scale = min(1.0, SEARCH_SIDES[-1] / max(photo.shape[:2]))
    small = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else photo
    shift_x, shift_y, share = HAAR_TO_HOG
    faces = []
    found_boxes, scores, _ = hog_detector().run(np.ascontiguousarray(small), int(max(small.shape[:2]) <= HOG_UPSAMPLE_SIDE), HOG_NEAR)
    for found, score in zip(found_boxes, scores):
        size = found.width() / share / scale
        if size >= MIN_FACE:
            faces.append((Box(round(found.left() / scale - shift_x * size), round(found.top() / scale - shift_y * size), round(size)), float(score)))
    return sorted(faces, key=lambda face: face[0].left)


def hog_faces_or_eyeless(photo: np.ndarray, without: list[Box]) -> list[Box]:
    """Where the cascade finds no face with an eye: the faces dlib's HOG detector finds with HOG_SCORE or more (behind
    dark sunglasses, turned from the camera), or failing those the cascade's boxes without an eye near which it responds
    at all (a face in sunglasses it scores lower). A box without an eye where it finds one can be a cap or a cheek, and
    one where it does not respond, a texture (docs/results.md)."""
    found = hog_faces(photo)
    return [box for box, score in found if score >= HOG_SCORE] or [box for box in without if any(near(box, other) for other, _ in found)]


def near(box: Box, other: Box) -> bool:
    """Whether the other box's centre lies within half of `box`'s side of its centre."""
    return bool(np.hypot(*(box.centre - other.centre)) < box.size / 2)


def turned_photo(photo: np.ndarray, roll: float) -> tuple[np.ndarray, np.ndarray]:
    """The photo turned by `roll` degrees (OpenCV's sense) on a canvas that holds all of it, its edge pixels repeated
    past its corners, and the map (2, 3) from the photo's pixels to the canvas's."""
    import cv2

    height, width = photo.shape[:2]
    turning = cv2.getRotationMatrix2D((width / 2 - 0.5, height / 2 - 0.5), roll, 1.0)
    cos, sin = abs(turning[0, 0]), abs(turning[0, 1])
    side_x, side_y = int(np.ceil(width * cos + height * sin)), int(np.ceil(width * sin + height * cos))
    turning[:, 2] += ((side_x - width) / 2, (side_y - height) / 2)
    return cv2.warpAffine(photo, turning, (side_x, side_y), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), turning


def apart(boxes: list[Box]) -> list[Box]:
    """The boxes, in order, less each that overlaps (as the circles they hold) one kept before it: one face found twice
    (by two of the cascade's groups, or at two turns of the photo), or a false face in a real one's hair or collar,
    since faces in a photo do not overlap."""
    kept = []
    for box in boxes:
        if all(np.hypot(*(box.centre - other.centre)) >= (box.size + other.size) / 2 for other in kept):
            kept.append(box)
    return kept


def pick_faces(photo: np.ndarray, face: int | None = None, all_faces: bool = False) -> list[Box]:
    """The faces to edit: face number `face` (from the left), every face, or by default the largest. By default, where
    no face with an eye is found upright, faces rolled further (`rolled_faces`), and failing those the faces dlib's HOG
    detector finds, or the upright boxes without an eye that it confirms (`hog_faces_or_eyeless`); every face (and face
    number `face` among them) holds the upright ones with an eye and the rolled ones, each face once (`apart`), or
    failing both, those of `hog_faces_or_eyeless`."""
    if face is None and not all_faces and (largest := largest_face_in_a_copy(photo)) is not None:
        return [largest]
    with_eyes, without = face_boxes(photo)
    if face is None and not all_faces:
        found = with_eyes or rolled_faces(photo) or hog_faces_or_eyeless(photo, without)
    else:
        upright = sorted(with_eyes, key=lambda box: -box.size)
        found = sorted(apart(upright + rolled_faces(photo, every_turn=True)), key=lambda box: box.left) or hog_faces_or_eyeless(photo, without)
    if not found:
        raise FaceganError(f"no face found in the photo: use a photo with a frontal face at least {MIN_FACE} pixels wide")
    if face is not None and not 0 <= face < len(found):
        raise FaceganError(f"--face {face} does not exist: the photo has {len(found)} face(s), numbered 0 to {len(found) - 1} from the left")
    if all_faces:
        return found
    return [found[face] if face is not None else max(found, key=lambda box: box.size)]


def crop_box(face: Box, dataset: str) -> Box:
    """The square the model sees: the detector's box widened by the margin of the model's data."""
    size = int(round(face.size * MARGIN[dataset]))
    centre_x, centre_y = face.left + face.size / 2, face.top + face.size / 2
    return Box(int(round(centre_x - size / 2)), int(round(centre_y - size / 2)), size, face.roll)


def upright(box: Box, side: int) -> np.ndarray:
    """The map (2, 3) from the photo's pixels to a square of `side` pixels showing the box turned by its roll: the
    face in it upright."""
    import cv2

    centre = (box.left + box.size / 2 - 0.5, box.top + box.size / 2 - 0.5)
    turning = cv2.getRotationMatrix2D(centre, box.roll, side / box.size)
    turning[:, 2] += (side / 2 - 0.5 - centre[0], side / 2 - 0.5 - centre[1])
    return turning


def upright_square(picture: np.ndarray, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """The box's square of a picture at its own size, turned upright by its roll (edge pixels repeated past the
    picture), and the map (2, 3) from the picture's pixels to it (`upright`)."""
    import cv2

    turning = upright(box, box.size)
    return cv2.warpAffine(picture, turning, (box.size, box.size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), turning


def whole_square(photo: np.ndarray) -> Box:
    """The square centred on the photo that covers all of it: a face cropped already is its own square
    (a side that is shorter repeats its edge pixels when cut)."""
    height, width = photo.shape[:2]
    side = max(height, width)
    return Box((width - side) // 2, (height - side) // 2, side)


def cut(photo: np.ndarray, box: Box, image_size: int, channels: int) -> np.ndarray:
    """The box resized to the model's input, uint8 (channels, size, size), turned upright by its roll; parts outside
    the photo repeat its edge pixels."""
    import cv2

    if box.roll:
        region, _ = upright_square(photo, box)
    else:
        height, width = photo.shape[:2]
        pad = max(0, -box.left, -box.top, box.left + box.size - width, box.top + box.size - height)
        padded = cv2.copyMakeBorder(photo, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else photo
        region = padded[box.top + pad : box.top + pad + box.size, box.left + pad : box.left + pad + box.size]
    region = cv2.resize(region, (image_size, image_size), interpolation=cv2.INTER_AREA)
    if channels == 1:
        return cv2.cvtColor(region, cv2.COLOR_RGB2GRAY)[None]
    return np.ascontiguousarray(region.transpose(2, 0, 1))


def format_of(suffix: str) -> str:
    """PIL's format for a file name's suffix (PNG for one it does not know). PIL's common formats (JPEG, PNG, ...)
    first: learning the rest imports every plugin it has, a tenth of a second of a `facegan edit`."""
    Image.preinit()
    if suffix not in Image.EXTENSION:
        Image.init()
    return Image.EXTENSION.get(suffix, "PNG")


def save_photo(photo: np.ndarray, path: str | Path, kept: PhotoFile | None = None) -> None:
    """Write an RGB array in the format the file name says, with what `kept` holds of the photo's file where
    the format keeps it: one grey channel for a grey photo; the transparency (PNG, WebP, TIFF; a JPEG has none,
    so it is dropped there with a warning); the colour profile and EXIF; a JPEG photo's own quantization
    tables and subsampling when written as a JPEG, with the photo's own blocks wherever `photo` is the photo as
    read, else quality 95 (JPEG, WebP)."""
    import warnings

    kept = kept or PhotoFile()
    path = Path(path)
    if path.suffix.lower() in HEIF_SUFFIXES:
        heif_support(f"'{path.name}' is to be written as HEIC")
    format = format_of(path.suffix.lower())
    image = Image.fromarray(photo).convert("L") if kept.grey else Image.fromarray(photo)
    if kept.alpha is not None:
        if format in ("PNG", "WEBP", "TIFF"):
            image.putalpha(Image.fromarray(kept.alpha))
        else:
            warnings.warn(f"'{path.name}' is a {format}, which has no transparency: the photo's transparent parts come out "
                          "opaque (write a .png to keep them)")
    options = {key: value for key, value in (("icc_profile", kept.icc_profile), ("exif", kept.exif)) if value}
    own_jpeg = format == "JPEG" and kept.jpeg is not None
    options |= kept.jpeg if own_jpeg else {"quality": 95}

    def write(temporary: Path) -> None:
        if not (own_jpeg and kept.jpeg_source is not None and write_with_own_blocks(temporary, image, photo, kept.jpeg_source, options)):
            image.save(temporary, format=format, **options)

    try:
        write_atomically(path, write)
    except (KeyError, ValueError) as error:
        raise FaceganError(f"cannot write '{path}': {error}") from None
