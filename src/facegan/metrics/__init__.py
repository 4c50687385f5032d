"""Offline scores for generated faces: the project's own feature network and distances in its space."""
