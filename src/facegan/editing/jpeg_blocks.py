"""An edited JPEG whose untouched blocks are the photo's own, coefficient for coefficient.

A JPEG stores 8x8 blocks of quantized DCT coefficients. Re-encoding a decoded photo, even with its own
quantization tables, rounds every block again and changes 13-26% of the pixels an edit never touched by a
level or two (docs/results.md). So only the part of the edit around the changed pixels is encoded, in whole
MCUs (the blocks one chroma block spans), with the photo's own tables and subsampling; its blocks that cover a
changed pixel replace the photo's, and every other block is the photo's own. Decoded, the pixels outside the
touched blocks are the photo's byte for byte, except within a pixel of them, where the decoder's smooth chroma
upsampling reads the neighbouring block's colour: the way jpegtran's lossless crop and drop work. The file is
written baseline with Huffman tables fitted to it (jpeglib writes no progressive JPEG): the size of the photo's
file, or up to 5% more for a progressive photo.
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

COMPONENTS = ("Y", "Cb", "Cr")
LIBJPEG = "turbo210"
"""The libjpeg jpeglib runs: libjpeg-turbo, as PIL does, reads every JPEG PIL reads; jpeglib's default (libjpeg 6b)
refuses arithmetic-coded ones, with a message printed past Python."""


@dataclass
class JpegSource:
    """A JPEG photo's file and its pixels (RGB) as read from it; its blocks are read on the first edit written,
    once for all of a photo's expressions."""

    data: bytes
    pixels: np.ndarray
    loaded: object = field(default=None, repr=False)  # jpeglib's DCTJPEG

    def blocks(self):
        """The photo's coefficient blocks, quantization tables and sampling (jpeglib's DCTJPEG, loaded)."""
        if self.loaded is None:
            with tempfile.TemporaryDirectory() as folder:  # jpeglib reads from a path only
                path = Path(folder) / "photo.jpg"
                path.write_bytes(self.data)
                self.loaded = read_blocks(path)
        return self.loaded


def read_blocks(path: Path):
    """A JPEG file's coefficient blocks (jpeglib's DCTJPEG, loaded)."""
    import jpeglib

    with jpeglib.version(LIBJPEG):
        blocks = jpeglib.read_dct(str(path))
        blocks.load()
    return blocks


def write_with_own_blocks(path: Path, image: Image.Image, edited: np.ndarray, source: JpegSource, options: dict) -> bool:
    """Write `image` (the edit, RGB or grey) to `path` as a JPEG whose blocks where `edited` (its RGB pixels)
    equals the photo are the photo's own; `options` are PIL's JPEG settings with the photo's own quantization
    tables and subsampling, and its EXIF and colour profile. Returns False, writing nothing, where the blocks
    cannot line up: another size, colour space, subsampling or tables."""
    import jpeglib

    if edited.shape != source.pixels.shape:
        return False
    own = source.blocks()
    if own.num_components not in (1, 3) or (own.height, own.width) != edited.shape[:2]:
        return False
    different = edited != source.pixels
    changed = different[..., 0] | different[..., 1] | different[..., 2]  # np.any over 3 channels is 10x slower
    mcu = (8 * int(own.samp_factor[:, 0].max()), 8 * int(own.samp_factor[:, 1].max()))  # jpeglib: (vertical, horizontal)
    top, left, bottom, right = changed_window(changed, mcu)
    with tempfile.TemporaryDirectory() as folder:
        part_path = Path(folder) / "part.jpg"
        image.crop((left, top, right, bottom)).save(part_path, format="JPEG", **options)
        part = read_blocks(part_path)
    if not lined_up(own, part):
        return False
    merged = copy.copy(own)
    window = changed[top:bottom, left:right]
    for name, (down, across) in zip(COMPONENTS, own.samp_factor):
        pixels = (mcu[0] // int(down), mcu[1] // int(across))
        blocks, new = getattr(own, name).copy(), getattr(part, name)
        rows, columns = top // pixels[0], left // pixels[1]
        count = min(new.shape[0], blocks.shape[0] - rows), min(new.shape[1], blocks.shape[1] - columns)
        touched = touched_blocks(window, count, pixels)
        blocks[rows : rows + count[0], columns : columns + count[1]][touched] = new[: count[0], : count[1]][touched]
        setattr(merged, name, blocks)
    merged.markers = part.markers  # the edit's own EXIF (no orientation, no thumbnail) and colour profile
    merged.content = None  # else jpeglib hands libjpeg the photo's file to read its settings again: a third slower
    with jpeglib.version(LIBJPEG):
        merged.write_dct(str(path), flags=["+OPTIMIZE_CODING"])  # Huffman tables fitted to the photo: smaller, just as fast
    return True


def changed_window(changed: np.ndarray, mcu: tuple[int, int]) -> tuple[int, int, int, int]:
    """The whole MCUs (top, left, bottom, right in pixels, clipped to the photo) around the changed pixels; the
    first MCU where none changed."""
    rows, columns = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    if len(rows) == 0:
        rows = columns = np.zeros(1, int)
    height, width = changed.shape
    top, left = rows[0] // mcu[0] * mcu[0], columns[0] // mcu[1] * mcu[1]
    bottom = min(-(-(rows[-1] + 1) // mcu[0]) * mcu[0], height)
    right = min(-(-(columns[-1] + 1) // mcu[1]) * mcu[1], width)
    return int(top), int(left), int(bottom), int(right)


def lined_up(own, part) -> bool:
    """Whether two JPEGs (jpeglib's DCTJPEG, loaded) have blocks alike: the same components, colour space,
    chroma subsampling, and quantization table for each component."""
    if own.num_components != part.num_components or own.jpeg_color_space != part.jpeg_color_space:
        return False
    if not np.array_equal(own.samp_factor, part.samp_factor):
        return False
    return all(np.array_equal(own.qt[own.quant_tbl_no[index]], part.qt[part.quant_tbl_no[index]])
               for index in range(own.num_components))


def touched_blocks(changed: np.ndarray, blocks: tuple[int, int], pixels: tuple[int, int]) -> np.ndarray:
    """Which of `blocks` (rows, columns) blocks, each covering `pixels` (height, width) pixels of `changed`, cover a
    changed pixel; the blocks past its edge cover nothing."""
    padded = np.zeros((blocks[0] * pixels[0], blocks[1] * pixels[1]), bool)
    rows, columns = min(changed.shape[0], padded.shape[0]), min(changed.shape[1], padded.shape[1])
    padded[:rows, :columns] = changed[:rows, :columns]
    return padded.reshape(blocks[0], pixels[0], blocks[1], pixels[1]).any(axis=(1, 3))
