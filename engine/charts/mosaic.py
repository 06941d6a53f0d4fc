"""Tile equally sized greyscale images into one matrix, separated by a gap of NaN."""

from __future__ import annotations

import math

from .kinds import Matrix


def mosaic(images: list[Matrix], columns: int, gap: int = 1) -> list[list[float | None]]:
    if not images:
        return []
    h, w = len(images[0]), len(images[0][0])
    columns = max(1, min(columns, len(images)))
    rows = math.ceil(len(images) / columns)
    height, width = rows * (h + gap) - gap, columns * (w + gap) - gap
    grid: list[list[float | None]] = [[None] * width for _ in range(height)]
    for index, image in enumerate(images):
        top, left = (index // columns) * (h + gap), (index % columns) * (w + gap)
        for r in range(h):
            grid[top + r][left : left + w] = [round(float(v), 3) for v in image[r]]
    return grid
