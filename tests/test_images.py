import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from facekit import Config, InvalidImage, load_image
from facekit.faces.images import save_jpeg_atomic
from tests.conftest import jpeg_bytes


def _gradient(height=40, width=60):
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 4, y * 6, (x + y) * 2], axis=-1).astype(np.uint8)


def _encode(image: Image.Image, fmt: str, **kw) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kw)
    return buffer.getvalue()


def test_reads_bytes_path_file_object_and_array_alike(tmp_path):
    png = _encode(Image.fromarray(_gradient()), "PNG")
    (tmp_path / "a.png").write_bytes(png)
    from_bytes = load_image(png)
    assert from_bytes.shape == (40, 60, 3) and from_bytes.dtype == np.uint8
    np.testing.assert_array_equal(from_bytes, _gradient())
    np.testing.assert_array_equal(load_image(tmp_path / "a.png"), from_bytes)
    np.testing.assert_array_equal(load_image(str(tmp_path / "a.png")), from_bytes)
    np.testing.assert_array_equal(load_image(io.BytesIO(png)), from_bytes)
    np.testing.assert_array_equal(load_image(_gradient()), from_bytes)


def test_exif_orientation_is_applied():
    image = Image.fromarray(_gradient(40, 60))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    loaded = load_image(_encode(image, "JPEG", exif=exif.tobytes()))
    assert loaded.shape == (60, 40, 3)


def test_grey_cmyk_alpha_palette_and_16_bit_become_rgb():
    grey = Image.fromarray(_gradient()[:, :, 0])
    assert load_image(_encode(grey, "PNG")).shape == (40, 60, 3)
    cmyk = Image.fromarray(_gradient()).convert("CMYK")
    assert load_image(_encode(cmyk, "JPEG")).shape == (40, 60, 3)
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[:, :5] = (255, 0, 0, 255)  # opaque red on the left, transparent on the right
    out = load_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert tuple(out[0, 0]) == (255, 0, 0) and tuple(out[0, 9]) == (255, 255, 255)
    palette = Image.fromarray(_gradient()).convert("P")
    assert load_image(_encode(palette, "GIF")).shape == (40, 60, 3)
    deep = Image.fromarray(np.arange(600, dtype=np.uint16).reshape(20, 30) * 100)
    out = load_image(_encode(deep, "PNG"))
    assert out.shape == (20, 30, 3) and out.max() == 255


def test_grey_and_float_and_rgba_arrays():
    assert load_image(np.full((5, 7), 9, np.uint8)).shape == (5, 7, 3)
    assert load_image(np.full((5, 7, 1), 9, np.uint8)).shape == (5, 7, 3)
    assert load_image(np.full((5, 7, 3), 0.5, np.float32))[0, 0, 0] == 128
    assert load_image(np.full((5, 7, 4), 200, np.uint8)).shape == (5, 7, 3)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"this is a text file, not a photo", "not an image"),
        (b"%PDF-1.4 pretend document", "not an image"),
    ],
)
def test_non_images_are_refused_with_a_message(data, message):
    with pytest.raises(InvalidImage, match=message):
        load_image(data)


def test_truncated_jpeg_is_refused():
    data = jpeg_bytes(np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8))
    with pytest.raises(InvalidImage, match="damaged or incomplete"):
        load_image(data[: len(data) // 2])


def test_decompression_bomb_is_refused_before_decoding():
    bomb = _encode(Image.new("L", (8000, 6000)), "PNG")  # 48 megapixels in a few kB
    assert len(bomb) < 200_000
    with pytest.raises(InvalidImage, match="megapixels"):
        load_image(bomb)


def test_oversized_file_and_missing_path_are_refused(tmp_path):
    small_limit = Config(max_image_bytes=1000)
    big = jpeg_bytes(np.random.default_rng(1).integers(0, 255, (100, 100, 3), dtype=np.uint8))
    with pytest.raises(InvalidImage, match="MB"):
        load_image(big, small_limit)
    (tmp_path / "big.jpg").write_bytes(big)
    with pytest.raises(InvalidImage, match="MB"):
        load_image(tmp_path / "big.jpg", small_limit)
    with pytest.raises(InvalidImage, match="No image file"):
        load_image(tmp_path / "nothing-here.jpg")


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros((0, 5, 3), np.uint8), "empty"),
        (np.zeros((5, 5, 2), np.uint8), r"\(H, W\)"),
        (np.full((5, 5, 3), 2.0), r"\[0, 1\]"),
        (np.full((5, 5, 3), np.nan), r"\[0, 1\]"),
        (np.zeros((5, 5, 3), np.int64), "uint8 or float"),
    ],
)
def test_bad_arrays_are_refused(array, message):
    with pytest.raises(InvalidImage, match=message):
        load_image(array)


def test_unsupported_source_type():
    with pytest.raises(InvalidImage, match="Cannot read"):
        load_image(12345)


def test_save_jpeg_atomic_never_overwrites(tmp_path):
    path = save_jpeg_atomic(_gradient(), tmp_path / "sub" / "me_1.jpg")
    assert load_image(path).shape == (40, 60, 3)
    with pytest.raises(FileExistsError):
        save_jpeg_atomic(np.zeros((4, 4, 3), np.uint8), path)
    assert load_image(path).shape == (40, 60, 3)
    assert sorted(p.name for p in path.parent.iterdir()) == ["me_1.jpg"]  # no temporary left behind


def test_errors_carry_their_parts_and_say_which_photo():
    from facekit import NoFaceFound

    error = NoFaceFound("No face was found in this photo", "Use a photo where one face is clearly visible.")
    named = error.about("second")
    assert named.reason == "No face was found in this photo" and named.photo == "second"
    assert str(named) == "The second photo: no face was found in this photo. Use a photo where one face is clearly visible."
    assert isinstance(named, NoFaceFound) and error.photo is None


def test_stale_temporary_files_are_removed_and_fresh_ones_kept(tmp_path):
    import os
    import time

    from facekit.files import remove_stale_temp_files, write_atomic

    stale = [tmp_path / "anchor" / ".tmp-abc.jpg", tmp_path / "x" / "y" / ".chip.png.0123.tmp"]
    fresh = tmp_path / "anchor" / ".ann_1.jpg.4567.tmp"
    for path in (*stale, fresh):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a photo")
    for path in stale:
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    keep = write_atomic(tmp_path / "anchor" / "ann_2.jpg", lambda tmp: tmp.write_bytes(b"whole"))
    assert remove_stale_temp_files(tmp_path, older_than_s=600) == 2
    assert not any(p.exists() for p in stale) and fresh.exists() and keep.read_bytes() == b"whole"


def test_threads_writing_the_same_file_never_share_a_temporary_name(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from facekit.files import write_atomic

    target = tmp_path / "chip.png"
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: write_atomic(target, lambda tmp: tmp.write_bytes(bytes([i]) * 1000)), range(32)))
    assert len(set(target.read_bytes())) == 1 and [p.name for p in tmp_path.iterdir()] == ["chip.png"]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_huge_photo_is_brought_to_working_size_right_after_decoding(fmt):
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (5000, 3000), (120, 90, 60)).save(buffer, format=fmt)
    image = load_image(buffer.getvalue(), Config())
    assert max(image.shape[:2]) == Config().max_working_side
    assert image.shape[1] / image.shape[0] == pytest.approx(5000 / 3000, rel=0.01)
    assert load_image(buffer.getvalue(), Config(max_working_side=6000)).shape[:2] == (3000, 5000)


def test_a_huge_sideways_photo_is_shrunk_and_turned_upright():
    import io

    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: "rotate 90 degrees to show"
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (10, 20, 30)).save(buffer, format="JPEG", exif=exif.tobytes())
    assert load_image(buffer.getvalue(), Config()).shape == (2048, 1365, 3)


def test_side_by_side_keeps_two_photos_in_one_row_at_one_height():
    from facekit.faces.images import side_by_side

    tall, wide = np.zeros((400, 200, 3), np.uint8), np.full((100, 300, 3), 255, np.uint8)
    row = side_by_side([tall, wide], height=200, gap=10)
    assert row.shape == (200, 100 + 10 + 600, 3) and row[:, :100].max() == 0 and row[:, 110:].min() == 255


def test_decoded_large_photos_go_back_to_the_system(tmp_path):
    """facekit's memory policy (applied when it loads): four threads decoding 40-megapixel PNGs leave
    the process no larger afterwards. Without it glibc kept ~130 MiB of their freed buffers."""
    script = tmp_path / "held.py"
    script.write_text(
        "import gc, io\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from PIL import Image\n"
        "from facekit import load_image\n"
        "def rss():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS')) / 1024\n"
        "buffer = io.BytesIO()\n"
        "Image.new('RGB', (7300, 5470), (120, 120, 120)).save(buffer, 'PNG')\n"
        "gc.collect(); before = rss()\n"
        "with ThreadPoolExecutor(4) as pool:\n"
        "    list(pool.map(lambda _: load_image(buffer.getvalue()).shape, range(8)))\n"
        "gc.collect(); print(rss() - before)\n"
    )
    held_mib = float(subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout)
    assert held_mib < 32, f"{held_mib:.0f} MiB held after the decodes"


@pytest.mark.parametrize("megapixels", [45, 108])
def test_a_phone_s_huge_jpeg_is_answered_in_little_memory(tmp_path, megapixels):
    """A 45 and a 108 megapixel JPEG (a phone's full-resolution modes) get a verdict from the real
    command, decoded already shrunk: the command's peak memory is printed (a PNG this size is refused)."""
    import subprocess
    import sys

    from facekit.examples import EXAMPLES_DIR

    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = width * 3 // 4
    photo = Image.open(EXAMPLES_DIR / "obama.jpg").convert("RGB")
    big = Image.new("RGB", (width, height), (110, 110, 110))
    face = photo.resize((height * photo.width // photo.height, height))
    big.paste(face, ((width - face.width) // 2, 0))
    path = tmp_path / "phone.jpg"
    big.save(path, quality=70)
    del big, face
    assert path.stat().st_size < Config().max_image_bytes
    # The command's own peak (VmHWM: this process image's, not the forking test process's memory).
    command = ("import sys; from facekit.cli import main; code = main(['verify'] + sys.argv[1:]); "
               "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')), file=sys.stderr); "
               "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", command, str(path), str(EXAMPLES_DIR / "obama1.jpg")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Same person" in done.stdout
    peak_kib = int(done.stderr.split("VmHWM:")[1].split()[0])
    print(f"{width}x{height} JPEG ({megapixels} MP, {path.stat().st_size / 2**20:.1f} MB): `facekit verify` peak "
          f"{peak_kib // 1024} MiB")
    with pytest.raises(InvalidImage, match="megapixels we accept in a PNG"):
        load_image(_encode(Image.new("L", (width, height)), "PNG"))
