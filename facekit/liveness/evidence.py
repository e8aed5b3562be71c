"""What a frame shows of a head, and how far a run of frames is from a flat picture.

A flat photo, however it is moved, rotated, scaled or turned like a sheet of paper, maps its
points from one frame to the next by one plane-to-plane transform (a homography). A real head
that turns does not: the nose moves against the cheeks and the far side's contour slides out of
view. :func:`flatness` measures it: the face mesh's 468 points in the most frontal frame are
mapped onto each other frame by the best homography, and what the homography cannot explain
(the RMS distance left, over the distance between the eyes) is the 3D evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facekit.config import Config
from facekit.faces.detect import Face, face_meshes

# MediaPipe mesh points: each eye's corners and lids (image left first), the nose tip, the face's
# contour at the cheeks.
_EYES = ((33, 133, 159, 145), (362, 263, 386, 374))
_NOSE, _CHEEKS = 1, (234, 454)
# Another face counts when it is at least this share of the main face's width: someone beside the
# person, or a photo held up next to them; not a small face far behind.
_NEAR = 0.7


@dataclass(frozen=True)
class Look:
    """One frame: ``faces`` found near the camera (at least 0.7 of the main face's width); of the
    main face, its ``mesh`` ``(468, 3)`` (None without a face), ``yaw`` in degrees (0 facing the
    camera, positive turned towards the image's right, which is the person's left) and
    ``eyes_open`` (lid gap over eye width, ~0.25-0.35 open, under ~0.15 shut)."""

    faces: int
    mesh: np.ndarray | None = None
    yaw: float = 0.0
    eyes_open: float = 0.0


def look_at(frame: np.ndarray, config: Config | None = None) -> Look:
    """The faces of an ``(H, W, 3)`` uint8 RGB frame, found in one look, and its main face measured."""
    return look_of(face_meshes(frame, config))


def look_of(found: list[tuple[Face, np.ndarray]]) -> Look:
    """A frame's look from its faces and meshes (:func:`~facekit.faces.detect.face_meshes`, the most
    prominent first): for a caller that found them already."""
    if not found:
        return Look(0)
    main, mesh = found[0]
    near = sum(face.box[2] >= _NEAR * main.box[2] for face, _ in found)
    return Look(near, mesh, yaw_of(mesh), eyes_open(mesh))


def yaw_of(mesh: np.ndarray) -> float:
    """The head's yaw in degrees from its mesh: where the nose tip sits between the two cheeks'
    contour points (0 midway; +-90 at either cheek), positive towards the image's right."""
    left, right = mesh[_CHEEKS[0], :2], mesh[_CHEEKS[1], :2]
    across = right - left
    share = float(np.dot(mesh[_NOSE, :2] - left, across) / max(np.dot(across, across), 1e-6))
    return float(np.degrees(np.arcsin(np.clip(2 * share - 1, -1, 1))))


def eyes_open(mesh: np.ndarray) -> float:
    """How open the eyes are: the gap between the lids over the eye's width, both eyes' mean."""
    ratios = [np.linalg.norm(mesh[upper, :2] - mesh[lower, :2]) / max(np.linalg.norm(mesh[a, :2] - mesh[b, :2]), 1e-6)
              for a, b, upper, lower in _EYES]
    return float(np.mean(ratios))


def flatness(meshes: list[np.ndarray], frontal: int) -> np.ndarray:
    """For each mesh, what the best homography from ``meshes[frontal]`` leaves unexplained: the RMS
    distance of the 468 points from where it puts them, over the distance between the eyes
    (``(n,)``, 0 for the frontal mesh itself). A flat picture stays near 0 (<= ~0.035); a head
    that turned 20 degrees or more reaches ~0.055 and beyond."""
    source = meshes[frontal][:, :2].astype(np.float64)
    residuals = []
    for mesh in meshes:
        target = mesh[:, :2].astype(np.float64)
        homography, _ = cv2.findHomography(source, target, 0)
        if homography is None:  # degenerate points: nothing to explain them with
            residuals.append(np.inf)
            continue
        residuals.append(unexplained(cv2.perspectiveTransform(source[None], homography)[0], mesh))
    return np.array(residuals)


def unexplained(mapped: np.ndarray, mesh: np.ndarray) -> float:
    """How far points ``(468, 2)`` that a transform put are from ``mesh``'s own: the RMS distance,
    over the mesh's eye distance."""
    return float(np.sqrt(np.mean(np.sum((mapped - mesh[:, :2]) ** 2, axis=1))) / eye_distance(mesh))


def eye_distance(mesh: np.ndarray) -> float:
    """The distance between the eyes' centres, in the mesh's pixels (at least 1e-6)."""
    centres = [mesh[[a, b], :2].mean(0) for a, b, _, _ in _EYES]
    return max(float(np.linalg.norm(centres[0] - centres[1])), 1e-6)
