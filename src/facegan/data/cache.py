"""Decode-once cache: a data set decoded into one raw uint8 file, memory-mapped by every later run.

The cache is keyed by what was asked for (source path, split, size, channels) and stamped with a
fingerprint of the source files (relative path, size, modification time); when the source changes, it
is rebuilt in place. The images file is complete before the small metadata file that vouches for it is
renamed into place, so an interrupted build is simply rebuilt next time.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from facegan.data.images import ImageSet, map_images
from facegan.files import write_atomically


def fingerprint(source: Path) -> str:
    """A hash of every file under `source` (or of `source` itself): names, sizes, modification times."""
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for file in files:
        stat = file.stat()
        digest.update(f"{file.relative_to(source) if file != source else file.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def load_cached(source: Path, request: dict, cache_dir: Path, build: Callable[[Path], ImageSet]) -> ImageSet:
    """The data set `build(into)` decodes, from the cache when its source is unchanged.

    `build` gets the raw file to stream images into; loaders that parse in memory may ignore it.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(json.dumps({"source": str(source.resolve()), **request}, sort_keys=True).encode()).hexdigest()[:20]
    images_file, meta_file = cache_dir / f"{key}.u8", cache_dir / f"{key}.meta.pt"
    stamp = fingerprint(source)
    if meta_file.is_file() and images_file.is_file():
        meta = torch.load(meta_file, weights_only=True)
        if meta["fingerprint"] == stamp:
            return ImageSet(map_images(images_file, tuple(meta["shape"])), meta["labels"], tuple(meta["class_names"]),
                            meta["attributes"], tuple(meta["attribute_names"]))
    built: list[ImageSet] = []

    def decode_into(building: Path) -> None:
        built.append(build(building))
        if building.stat().st_size == 0:  # the loader parsed in memory: write what it returned
            np.ascontiguousarray(built[0].images.numpy()).tofile(building)

    write_atomically(images_file, decode_into)
    data = built[0]
    meta = {"fingerprint": stamp, "shape": list(data.images.shape), "labels": data.labels, "class_names": list(data.class_names),
            "attributes": data.attributes, "attribute_names": list(data.attribute_names)}
    write_atomically(meta_file, lambda temporary: torch.save(meta, temporary))
    return ImageSet(map_images(images_file, tuple(data.images.shape)), data.labels, data.class_names, data.attributes, data.attribute_names)
