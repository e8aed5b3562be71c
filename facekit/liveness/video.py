"""Frames to check, from a video file or a folder of pictures."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from facekit.config import Config
from facekit.errors import InvalidImage
from facekit.faces.images import load_image

_FRAMES_A_SECOND = 15.0  # a video is read at most this often: a head turn takes ~0.5 s or more
_MOST_FRAMES = 600  # 40 s at that rate


def read_frames(path: str | Path, config: Config | None = None) -> list[np.ndarray]:
    """The frames of ``path``, ``(H, W, 3)`` uint8 RGB each: a folder's pictures in name order, or
    a video's frames (any format FFmpeg in OpenCV reads), at most 15 a second and 600 in all.
    Raises :class:`~facekit.errors.InvalidImage` when the path is missing, not a video, or holds
    a file that is not a picture."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise InvalidImage(f"The folder {path} has no pictures in it")
        return [load_image(file, config).copy() for file in files[:_MOST_FRAMES]]
    if not path.is_file():
        raise InvalidImage(f"There is no file or folder {path}")
    video = cv2.VideoCapture(str(path))
    rate = video.get(cv2.CAP_PROP_FPS) or _FRAMES_A_SECOND
    every = max(1, round(rate / _FRAMES_A_SECOND))
    frames, index = [], 0
    try:
        while len(frames) < _MOST_FRAMES:
            ok, frame = video.read()
            if not ok:
                break
            if index % every == 0:
                frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            index += 1
    finally:
        video.release()
    if not frames:
        raise InvalidImage(f"{path.name} is not a video we can read", "Give a video file (MP4, WEBM, AVI...) or a folder of pictures.")
    return frames
