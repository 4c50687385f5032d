"""A closed-lipped move for a closed mouth: FER2013's happy faces show their teeth, so the geometry engine's mean
happy move parts the lips, and on a closed mouth the parting shows as a slot of stretched lip. Here, when the
face's inner lips touch, the lower lip and the chin follow the upper lip instead of parting from it; the
corners, the width and everything else move as before. `patch()` puts it into the geometry engine, for
experiments/celeba_smile.py and experiments/geometry_strength.py (--closed-lips).
"""

from __future__ import annotations

import numpy as np

import facegan.editing.geometry as geometry

CLOSED = 0.06
"""Inner lips closer than this many eye distances (about a pixel of a 48-pixel face) touch."""
FOLLOWERS = [55, 56, 57, 58, 59, 65, 66, 67, 6, 7, 8, 9, 10]
"""The lower lip, outer and inner, and the chin: they move down with the parting."""


def closed_lip_move(landmarks: np.ndarray, move: np.ndarray) -> np.ndarray:
    eyes = np.linalg.norm(landmarks[36:42].mean(0) - landmarks[42:48].mean(0))
    gap = np.mean([abs(landmarks[lower, 1] - landmarks[upper, 1]) for upper, lower in ((61, 67), (62, 66), (63, 65))]) / eyes
    parting = move[66, 1] - move[62, 1]
    if gap > CLOSED or parting <= 0:
        return move
    kept = move.copy()
    kept[FOLLOWERS, 1] -= parting
    return kept


def patch() -> None:
    field_for = geometry.field_for
    geometry.field_for = lambda landmarks, move, grid=geometry.GRID: field_for(landmarks, closed_lip_move(landmarks, move), grid)
