"""Frames to check, from a video file or a folder of pictures."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from facekit.config import Config
from facekit.errors import InvalidImage
from facekit.faces.images import load_image
from facekit.files import stderr_silenced

_FRAMES_A_SECOND = 15.0  # a video is read at most this often: a head turn takes ~0.5 s or more
_MOST_FRAMES = 600  # 40 s at that rate
# Frames are kept at most this large (a webcam's 640x480, what the Live page checks): the face finder
# looks at 480 px anyway, and 600 frames of 4K video kept whole would hold ~15 GB.
_FRAME_SIDE = 640


def _shrunk(frame: np.ndarray) -> np.ndarray:
    """``frame`` with its longer side at most :data:`_FRAME_SIDE` (a copy of its own, never a view)."""
    scale = _FRAME_SIDE / max(frame.shape[:2])
    if scale >= 1:
        return frame.copy()
    return cv2.resize(frame, (round(frame.shape[1] * scale), round(frame.shape[0] * scale)), interpolation=cv2.INTER_AREA)


def read_frames(path: str | Path, config: Config | None = None) -> list[np.ndarray]:
    """The frames of ``path``, ``(H, W, 3)`` uint8 RGB each, shrunk as they are read to at most 640 px
    on their longer side (memory stays flat in the video's resolution): a folder's pictures in name
    order, or a video's frames (any format FFmpeg in OpenCV reads), at most 15 a second and 600 in
    all. Raises :class:`~facekit.errors.InvalidImage` when the path is missing, not a video, or holds
    a file that is not a picture (named)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise InvalidImage(f"The folder {path} has no pictures in it")
        frames = []
        for file in files[:_MOST_FRAMES]:
            try:
                frames.append(_shrunk(load_image(file, config)))
            except InvalidImage as error:
                raise InvalidImage(f"{file.name} in {path}: {error.reason[0].lower()}{error.reason[1:]}", error.hint) from None
        return frames
    if not path.is_file():
        raise InvalidImage(f"There is no file or folder {path}")
    with stderr_silenced():  # FFmpeg's own lines about a file it cannot read: the error below says it
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
                frames.append(cv2.cvtColor(_shrunk(frame), cv2.COLOR_BGR2RGB))
            index += 1
    finally:
        video.release()
    if not frames:
        raise InvalidImage(f"{path.name} is not a video we can read", "Give a video file (MP4, WEBM, AVI...) or a folder of pictures.")
    return frames
