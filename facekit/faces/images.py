"""Read images from paths, bytes, file objects or arrays into one form: RGB uint8 arrays.

Every entry point of facekit goes through :func:`load_image`, so EXIF rotation, colour modes
and the checks against broken or hostile files happen in exactly one place.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import io
import threading
import os
import warnings
from pathlib import Path
from typing import BinaryIO, Union

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from facekit.config import Config
from facekit.errors import ImageTooLarge, InvalidImage
from facekit.files import write_atomic

ImageSource = Union[str, os.PathLike, bytes, bytearray, BinaryIO, np.ndarray]

_FORMATS = ("JPEG", "PNG", "BMP", "WEBP", "GIF", "TIFF")
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8  # glibc's mallopt parameter numbers


def load_image(source: ImageSource, config: Config | None = None) -> np.ndarray:
    """Return the image as an ``(H, W, 3)`` uint8 RGB array, upright (EXIF orientation applied).

    ``source`` is a path, the file's bytes, a binary file object, or an array: ``(H, W)`` grey,
    ``(H, W, 1|3|4)``, uint8 in [0, 255] or float in [0, 1]. Transparent pixels are laid on
    white; CMYK, palette and 16-bit images are converted.

    A decoded photo larger than ``config.max_working_side`` on its longer side is shrunk to it
    (arrays are taken as they are). Raises :class:`InvalidImage` for an empty, truncated,
    oversized or non-image input.
    """
    return load_image_at_least(source, None, config)[0]


def load_image_at_least(source: ImageSource, side: int | None, config: Config | None = None) -> tuple[np.ndarray, bool]:
    """:func:`load_image`, with a JPEG decoded only as large as its longer side needs to reach
    ``side`` pixels (JPEG's own 1/2, 1/4 or 1/8 scaling, three to ten times faster than a whole
    decode; other formats, arrays and ``side=None`` come whole). Returns the image and whether it
    is smaller than the whole one would be."""
    config = config or Config()
    if isinstance(source, np.ndarray):
        return _from_array(source, config), False
    data = read_image_bytes(source, config)
    if not data:
        raise InvalidImage("The file is empty (0 bytes)", "Choose a JPEG or PNG photo.")
    try:
        with warnings.catch_warnings():
            # PIL warns before it raises for very large images; we check the size ourselves.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_FORMATS)
            width, height = image.size
            jpeg = image.format == "JPEG"
            if width * height > (config.max_jpeg_pixels if jpeg else config.max_image_pixels):
                raise ImageTooLarge(
                    f"The image is {width}x{height} pixels, more than the "
                    + (f"{config.max_jpeg_pixels / 1e6:.0f} megapixels we accept" if jpeg else
                       f"{config.max_image_pixels / 1e6:.0f} megapixels we accept in a {image.format} "
                       f"(a JPEG may have up to {config.max_jpeg_pixels / 1e6:.0f})"), "Resize it and try again.",
                )
            large = max(width, height) > config.max_working_side
            longest = min(side or config.max_working_side, config.max_working_side)
            with _large_photo_slots(config.max_large_photos_at_once) if large else contextlib.nullcontext():
                # JPEG: decode smaller, keeping the longer side at least ``longest`` (both sides are asked for)
                image.draft("RGB", tuple(max(1, v * longest // max(width, height)) for v in (width, height)))
                reduced = max(image.size) < min(max(width, height), config.max_working_side)
                image.load()
                if large:  # shrink first: every later copy is small
                    image.thumbnail((config.max_working_side, config.max_working_side), Image.Resampling.BILINEAR,
                                    reducing_gap=2.0)
            ImageOps.exif_transpose(image, in_place=True)
    except InvalidImage:
        raise
    except UnidentifiedImageError:
        raise InvalidImage(
            "This file is not an image we can read", "Use a JPEG, PNG, BMP, WEBP, GIF or TIFF photo."
        ) from None
    except Image.DecompressionBombError:
        raise ImageTooLarge("The image is far too large to open safely", "Resize it and try again.") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage(f"The image file is damaged or incomplete ({exc})", "Try another copy.") from None
    return _to_rgb_array(image), reduced


@functools.cache
def _large_photo_slots(n: int) -> threading.BoundedSemaphore:
    """At most ``n`` photos above the working size decoded at once, process-wide: decoding a
    40-megapixel photo takes ~120 MiB for a moment, and that must not multiply with visitors."""
    return threading.BoundedSemaphore(n)


def read_image_bytes(source: ImageSource, config: Config | None = None) -> bytes:
    """The bytes of a photo given as bytes, a path or a binary file object, read no further than
    ``config.max_image_bytes`` (:class:`ImageTooLarge` past it; :class:`InvalidImage` when unreadable)."""
    config = config or Config()
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidImage(f"No image file at {path}.")
        if path.stat().st_size > config.max_image_bytes:
            raise ImageTooLarge(_too_many_bytes(path.stat().st_size, config))
        try:
            with open(path, "rb") as handle:  # read at most one byte past the limit, whatever stat said
                data = handle.read(config.max_image_bytes + 1)
        except OSError as error:
            raise InvalidImage(f"Could not read {path.name} ({error.strerror or error})", "Choose another file.") from None
    elif hasattr(source, "read"):
        data = source.read(config.max_image_bytes + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidImage("The file object must be opened in binary mode.")
    else:
        raise InvalidImage(f"Cannot read an image from a {type(source).__name__}.")
    if len(data) > config.max_image_bytes:
        raise ImageTooLarge(_too_many_bytes(len(data), config))
    return data


def _too_many_bytes(n_bytes: int, config: Config) -> str:
    return (
        f"The file is {n_bytes / 2**20:.1f} MB; the limit is "
        f"{config.max_image_bytes / 2**20:.0f} MB. Use a smaller photo."
    )


def _to_rgb_array(image: Image.Image) -> np.ndarray:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        scaled = np.asarray(image, dtype=np.float64)
        top = scaled.max() or 1.0
        image = Image.fromarray((scaled / top * 255).astype(np.uint8))
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return np.array(image if image.mode == "RGB" else image.convert("RGB"), dtype=np.uint8)  # one copy, writable


def _from_array(array: np.ndarray, config: Config) -> np.ndarray:
    if array.size == 0:
        raise InvalidImage("The image array is empty.")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InvalidImage(f"An image array must be (H, W), (H, W, 3) or (H, W, 4), not {array.shape}.")
    if array.shape[0] * array.shape[1] > config.max_image_pixels:
        raise ImageTooLarge(f"The image array {array.shape[:2]} is larger than we accept.")
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            raise InvalidImage("A float image array must hold values in [0, 1].")
        array = np.round(array * 255)
    elif array.dtype != np.uint8:
        raise InvalidImage(f"An image array must be uint8 or float, not {array.dtype}.")
    array = array.astype(np.uint8)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.shape[2] == 4:
        return _to_rgb_array(Image.fromarray(array, "RGBA"))
    return np.ascontiguousarray(array)


def _hand_back_large_buffers() -> bool:
    """facekit's memory policy, applied once for the whole process when this module is imported
    (every entry point reads photos through it: the app, the API, the CLI, the library):

    - every freed buffer of 1 MiB or more (a decoded photo, an upload) goes back to the system at
      once; by default glibc raises that threshold after large frees and keeps later photo-sized
      buffers in its heaps;
    - at most two malloc arenas: each thread that decodes a photo would otherwise get a heap of its
      own that keeps its freed memory (a server's thread pool has 40 threads).

    Measured with ``bench/memory_large_photos.py``. False off glibc (nothing to set).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, 1 << 20)) and bool(libc.mallopt(_M_ARENA_MAX, 2))


_hand_back_large_buffers()


def to_grey(image: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB -> ``(H, W)`` uint8 luminance (ITU-R 601, as PIL's "L")."""
    return np.asarray(Image.fromarray(image).convert("L"))


def resize(image: np.ndarray, size: int) -> np.ndarray:
    """Resize a uint8 image (grey or RGB) to ``size x size`` with area-averaging."""
    return np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.BOX))


def save_jpeg_atomic(image: np.ndarray, path: Path, quality: int = 95) -> Path:
    """Write an RGB uint8 image as a JPEG at ``path`` without ever leaving a half-written file.

    Never replaces a file that is already there (:class:`FileExistsError`); see
    :func:`~facekit.files.write_atomic`.
    """
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            handle.write(jpeg_bytes(image, quality))
            handle.flush()
            os.fsync(handle.fileno())

    return write_atomic(Path(path), write, replace=False)


def jpeg_bytes(image: np.ndarray, quality: int = 95) -> bytes:
    """An RGB uint8 image encoded as JPEG."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


# Box colours (RGB) by a face's answer: named, not sure, someone unknown (the app, the video).
ANSWER_COLOURS = {"known": (40, 200, 60), "not sure": (244, 162, 97), "unknown": (150, 150, 150)}


def draw_box(image: np.ndarray, box: tuple[int, int, int, int], colour=(40, 200, 60), label: str = "") -> np.ndarray:
    """A copy of an RGB uint8 image with ``box`` ``(x, y, w, h)`` outlined and an optional label."""
    return draw_boxes(image, [box], [colour], [label])


def draw_boxes(image: np.ndarray, boxes, colours, labels) -> np.ndarray:
    """A copy of an RGB uint8 image with each ``(x, y, w, h)`` box outlined in its RGB colour and
    its label (a face's number, a name: accented letters and most scripts' too) written on a patch
    of that colour above it, inside the image (moved left at the right edge, written smaller when
    longer than the image is wide; below the box, or inside its top, where an earlier label is)."""
    picture = Image.fromarray(np.ascontiguousarray(image, np.uint8)).copy()
    draw = ImageDraw.Draw(picture)
    thickness = max(2, round(max(picture.size) / 250))
    patches: list[tuple[int, int, int, int]] = []  # the labels written so far, (left, top, right, bottom)
    for box, colour, label in zip(boxes, colours, labels):
        x, y, w, h = (int(v) for v in box)
        draw.rectangle((x, y, x + w, y + h), outline=tuple(colour), width=thickness)
        if label:
            size = max(14, round(max(picture.size) / 28))
            while size > 6 and draw.textlength(label, font=_label_font(size)) + 2 * thickness >= picture.width:
                size = round(size * 0.9) if size > 10 else size - 1  # longer than the picture is wide: smaller, never cut
            font = _label_font(size)
            left_ink, top_ink, right_ink, bottom_ink = draw.textbbox((0, 0), label, font=font)
            width, height = right_ink - left_ink, bottom_ink - top_ink
            left = max(0, min(x, picture.width - 1 - width - 2 * thickness))  # moved left where the box is near the edge
            tops = (y - height - 3 * thickness, y + h + thickness, y + thickness)  # above the box, below it, inside it
            places = [(left, top, left + width + 2 * thickness, top + height + 2 * thickness)
                      for top in (max(0, min(t, picture.height - 1 - height - 2 * thickness)) for t in tops)]
            patch = next((p for p in places if not any(_overlap(p, other) for other in patches)), places[0])
            patches.append(patch)
            left, top = patch[:2]
            draw.rectangle(patch, fill=tuple(colour))
            ink = (0, 0, 0) if sum(colour) > 450 else (255, 255, 255)  # dark on a light patch, light on a dark one
            draw.text((left + thickness - left_ink, top + thickness - top_ink), label, fill=ink, font=font)
    return np.asarray(picture)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Whether two ``(left, top, right, bottom)`` rectangles share any pixel."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def draw_banner(image: np.ndarray, text: str) -> np.ndarray:
    """A copy of an RGB uint8 image with ``text`` written white on a dark strip across its top
    (smaller when longer than the image is wide): an instruction read on the video itself."""
    picture = Image.fromarray(np.ascontiguousarray(image, np.uint8)).copy()
    draw = ImageDraw.Draw(picture)
    size = max(14, round(picture.width / 22))
    while size > 6 and draw.textlength(text, font=_label_font(size)) + size >= picture.width:
        size -= 1
    font = _label_font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    strip = bottom - top + size
    draw.rectangle((0, 0, picture.width, strip), fill=(20, 20, 20))
    draw.text(((picture.width - (right - left)) / 2 - left, size / 2 - top), text, fill=(255, 255, 255), font=font)
    return np.asarray(picture)


# DejaVu Sans (most scripts' letters) where the system has it, else the font Pillow carries (Latin).
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@functools.lru_cache(maxsize=64)
def _label_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_DEJAVU), size) if _DEJAVU.exists() else ImageFont.load_default(size)


def side_by_side(images: list[np.ndarray], height: int = 360, gap: int = 12) -> np.ndarray:
    """RGB uint8 images scaled to one ``height`` and put in a row on white, ``gap`` pixels apart:
    one picture that keeps two faces next to each other on any screen width."""
    scaled = [cv2.resize(image, (max(1, round(image.shape[1] * height / image.shape[0])), height),
                         interpolation=cv2.INTER_AREA) for image in images]
    row = np.full((height, sum(i.shape[1] for i in scaled) + gap * (len(scaled) - 1), 3), 255, np.uint8)
    x = 0
    for image in scaled:
        row[:, x : x + image.shape[1]] = image
        x += image.shape[1] + gap
    return row


def heat_overlay(chip: np.ndarray, change: np.ndarray, scale: float) -> np.ndarray:
    """``chip`` ``(S, S, 3)`` uint8 with a ``(g, g)`` grid of score changes laid over it: green
    where covering that square lowered the score (it made the faces alike), red where it raised
    it; ``scale`` is the change drawn at full strength. Returns ``(S, S, 3)`` uint8."""
    side = chip.shape[0]
    strength = cv2.resize(np.clip(np.abs(change) / max(scale, 1e-6), 0, 1).astype(np.float32), (side, side),
                          interpolation=cv2.INTER_NEAREST)[..., None] * 0.6
    sign = cv2.resize(np.sign(change).astype(np.float32), (side, side), interpolation=cv2.INTER_NEAREST)[..., None]
    colour = np.where(sign < 0, np.array([40, 200, 60], np.float32), np.array([230, 60, 40], np.float32))
    return (chip.astype(np.float32) * (1 - strength) + colour * strength).round().astype(np.uint8)


def light_and_focus(grey: np.ndarray) -> tuple[float, float]:
    """``(brightness, sharpness)`` of a uint8 grey image: the mean grey level (0-255) and the
    variance of the Laplacian once shrunk to 128x128 (higher is sharper; under ~40 looks blurred)."""
    small = cv2.resize(grey, (128, 128), interpolation=cv2.INTER_AREA)
    return float(grey.mean()), float(cv2.Laplacian(small, cv2.CV_64F).var())
