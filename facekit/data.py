"""Data folders, the LFW import, identities, the pairs table and LFW's protocol pairs.

Folders under ``config.data_dir``::

    lfw/<Name>/<Name>_NNNN.jpg   untouched copy of LFW (evaluation reads it)
    lfw_protocol/*.txt           LFW's pairs and people lists
    anchor/ positive/ negative/  training photos, named <person>_<unique>.jpg
    pairs.csv                    anchor_path, other_path, label (paths relative to data_dir)

A photo's identity is its file name up to the last underscore, for LFW's ``<Name>_0001.jpg``
and for captures' ``<person>_<timestamp>.jpg`` alike.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm

from .config import Config
from .errors import DataError
from .images import light_and_focus

FOLDERS = ("anchor", "positive", "negative")
PROTOCOL_FILES = ("pairs.txt", "pairsDevTrain.txt", "pairsDevTest.txt", "peopleDevTrain.txt", "peopleDevTest.txt")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")

# Where LFW is published. figshare holds the copies scikit-learn fetches, with the SHA-256 it
# publishes; the people lists only exist on the original site (their hashes were taken from
# the files served there). ``None`` means no published checksum.
LFW_DOWNLOADS = {
    "lfw.tgz": (
        "https://ndownloader.figshare.com/files/5976018",
        "055f7d9c632d7370e6fb4afc7468d40f970c34a80d4c6f50ffec63f5a8d536c0",
    ),
    "pairs.txt": (
        "https://ndownloader.figshare.com/files/5976006",
        "ea42330c62c92989f9d7c03237ed5d591365e89b3e649747777b70e692dc1592",
    ),
    "pairsDevTrain.txt": (
        "https://ndownloader.figshare.com/files/5976012",
        "1d454dada7dfeca0e7eab6f65dc4e97a6312d44cf142207be28d688be92aabfa",
    ),
    "pairsDevTest.txt": (
        "https://ndownloader.figshare.com/files/5976009",
        "7cb06600ea8b2814ac26e946201cdb304296262aad67d046a16a7ec85d0ff87c",
    ),
    "peopleDevTrain.txt": (
        "http://vis-www.cs.umass.edu/lfw/peopleDevTrain.txt",
        "2e58df13ba4cc143189336e001cc2c195f1dfa5b29a6475c02857be353c2a2fa",
    ),
    "peopleDevTest.txt": (
        "http://vis-www.cs.umass.edu/lfw/peopleDevTest.txt",
        "c3ed1f90499473401542101a56c14c1d82396bb8218c67a356d7460601047555",
    ),
}


def identity_of(path: str | os.PathLike) -> str:
    """The person a photo shows, from its name: ``George_W_Bush_0001.jpg`` -> ``George_W_Bush``."""
    stem = Path(path).stem
    return stem.rsplit("_", 1)[0] if "_" in stem else stem


def list_photos(folder: Path) -> list[Path]:
    """The photos directly in ``folder`` (sorted), or ``[]`` when it does not exist."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith("."))


def training_photos(config: Config = Config()) -> list[Path]:
    """Every photo of ``anchor/``, ``positive/`` and ``negative/``, folder by folder."""
    return [p for folder in FOLDERS for p in list_photos(config.data_dir / folder)]


def is_lfw_person(person: str, config: Config = Config()) -> bool:
    """Whether ``person`` is one of LFW's people (has a folder in the imported LFW), not a capture."""
    return (config.lfw_dir / person).is_dir()


# --- LFW import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    """What :func:`import_lfw` did. Counts are of photos, except ``*_people``."""

    lfw_dir: Path
    n_photos: int
    n_people: int
    n_test_people: int
    added: dict[str, int]
    already_there: int
    removed_test_photos: int = 0


def download_lfw(dest: Path, progress: bool = True) -> Path:
    """Download ``lfw.tgz`` and the protocol files into ``dest``; return the ``lfw.tgz`` path.

    Files already in ``dest`` with the right checksum are kept. Raises :class:`DataError` when
    the network fails or a checksum does not match.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name, (url, sha256) in LFW_DOWNLOADS.items():
        target = dest / name
        if target.exists() and (sha256 is None or _sha256(target) == sha256):
            continue
        _download(url, target, sha256, progress)
    return dest / "lfw.tgz"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, target: Path, sha256: str | None, progress: bool) -> None:
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=f"Downloading {target.name}", disable=not progress) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    out.write(block)
                    bar.update(len(block))
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise DataError(
            f"Could not download {url} ({exc}). Check the internet connection, or download LFW "
            "yourself and run `facekit data import-lfw path/to/lfw.tgz`."
        ) from None
    if sha256 is not None and _sha256(partial) != sha256:
        partial.unlink()
        raise DataError(f"The download of {target.name} is corrupt (checksum mismatch). Run the import again.")
    os.replace(partial, target)


def _find_protocol_dir(source: Path) -> Path:
    """The folder holding LFW's protocol files: beside ``source``, inside it, or its parent."""
    candidates = [source.parent] if source.is_file() else [source, source.parent]
    for folder in candidates:
        if (folder / "peopleDevTest.txt").exists() or (folder / "pairsDevTest.txt").exists():
            return folder
    raise DataError(
        f"LFW's protocol files (pairsDevTest.txt, peopleDevTest.txt, ...) are not beside {source}. "
        "Put them in the same folder as lfw.tgz (they are published with it), or run "
        "`facekit data import-lfw` with no argument to download everything."
    )


def _extract_lfw(archive: Path, lfw_dir: Path, progress: bool) -> None:
    try:
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and m.name.lower().endswith(".jpg")]
            if not members:
                raise DataError(f"{archive} holds no .jpg photos; is it LFW's lfw.tgz?")
            for member in tqdm(members, desc="Extracting LFW", unit="photo", disable=not progress):
                parts = Path(member.name).parts
                target = lfw_dir / parts[-2] / parts[-1]  # <Name>/<Name>_NNNN.jpg, whatever the prefix
                if target.exists():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
                    shutil.copyfileobj(src, tmp)
                os.replace(tmp.name, target)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DataError(f"Could not read {archive} as a .tgz archive ({exc}). Download it again.") from None


def _copy_lfw_folder(source: Path, lfw_dir: Path, progress: bool) -> None:
    photos = sorted(source.glob("*/*.jpg"))
    if not photos:
        raise DataError(f"{source} holds no <Name>/<Name>_NNNN.jpg photos; point at LFW's lfw/ folder.")
    if source.resolve() == lfw_dir.resolve():
        return
    for photo in tqdm(photos, desc="Copying LFW", unit="photo", disable=not progress):
        target = lfw_dir / photo.parent.name / photo.name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(photo, target)


def read_people(path: Path) -> list[str]:
    """Names in an LFW people file (``peopleDevTrain.txt``: a count, then ``Name<TAB>n`` lines)."""
    lines = [line.split() for line in Path(path).read_text().splitlines()[1:]]
    return [fields[0] for fields in lines if len(fields) == 2]


def held_out_people(protocol_dir: Path) -> set[str]:
    """Everyone in LFW View 1's test split (``peopleDevTest.txt`` and ``pairsDevTest.txt``)."""
    names: set[str] = set()
    if (protocol_dir / "peopleDevTest.txt").exists():
        names.update(read_people(protocol_dir / "peopleDevTest.txt"))
    if (protocol_dir / "pairsDevTest.txt").exists():
        for fields in _pair_lines(protocol_dir / "pairsDevTest.txt"):
            names.update(fields[0::2] if len(fields) == 4 else fields[:1])
    if not names:
        raise DataError(f"No test people found in {protocol_dir}; peopleDevTest.txt is missing or empty.")
    return names


def _link_or_copy(src: Path, dst: Path) -> bool:
    """Put ``src`` at ``dst`` (a hard link where possible); False when ``dst`` already exists."""
    if dst.exists():
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return True


def import_lfw(
    source: Path | None = None, config: Config = Config(), min_images: int | None = None, progress: bool = True
) -> ImportReport:
    """Import LFW into ``config.data_dir``.

    ``source`` is a local ``lfw.tgz`` or extracted ``lfw/`` folder with the protocol files beside
    it; ``None`` downloads both. Keeps an untouched copy in ``data/lfw/``, copies the protocol
    files to ``data/lfw_protocol/``, then puts every photo of a training person (anyone not in
    View 1's test split) in one training folder: people with at least ``min_images`` photos
    (default ``config.anchor_min_images``) alternate between ``anchor/`` and ``positive/``; the
    rest go to ``negative/``. Files keep LFW's names; running it again adds nothing twice.
    """
    min_images = config.anchor_min_images if min_images is None else min_images
    if source is None:
        source = download_lfw(config.data_dir / "downloads", progress)
    source = Path(source)
    if not source.exists():
        raise DataError(f"{source} does not exist. Give the path of lfw.tgz or of an extracted lfw/ folder.")
    protocol_source = _find_protocol_dir(source)
    lfw_dir = config.lfw_dir
    if source.is_file():
        _extract_lfw(source, lfw_dir, progress)
    else:
        _copy_lfw_folder(source, lfw_dir, progress)
    config.protocol_dir.mkdir(parents=True, exist_ok=True)
    for name in PROTOCOL_FILES:
        if (protocol_source / name).exists() and protocol_source.resolve() != config.protocol_dir.resolve():
            _copy_atomic(protocol_source / name, config.protocol_dir / name)

    held_out = held_out_people(config.protocol_dir)
    people = sorted(p for p in lfw_dir.iterdir() if p.is_dir())
    added: Counter = Counter()
    already = n_photos = 0
    for person in people:
        photos = list_photos(person)
        n_photos += len(photos)
        if person.name in held_out:
            continue
        for index, photo in enumerate(photos):
            folder = "negative" if len(photos) < min_images else FOLDERS[index % 2]
            if _link_or_copy(photo, config.data_dir / folder / photo.name):
                added[folder] += 1
            else:
                already += 1
    removed = _remove_held_out(config, held_out)
    return ImportReport(
        lfw_dir, n_photos, len(people), len(held_out), {f: added[f] for f in FOLDERS}, already, removed
    )


def _copy_atomic(src: Path, dst: Path) -> None:
    tmp = dst.with_name(f".{dst.name}.tmp")
    shutil.copy2(src, tmp)
    os.replace(tmp, dst)


def _remove_held_out(config: Config, held_out: set[str]) -> int:
    """Delete LFW photos of test people from the training folders (an older import may have left them)."""
    removed = 0
    for folder in FOLDERS:
        for photo in list_photos(config.data_dir / folder):
            person = identity_of(photo)
            if person in held_out and (config.lfw_dir / person / photo.name).exists():
                photo.unlink()
                removed += 1
    return removed


# --- pairs --------------------------------------------------------------------------------------


def make_pairs(config: Config = Config(), seed: int | None = None) -> pd.DataFrame:
    """The balanced pairs table of the training folders, as paths relative to ``data_dir``.

    Every anchor x positive of the same person is a pair labelled 1; as many anchor x negative
    pairs of different people, drawn at random without repeats, are labelled 0. A "negative"
    that shows the anchor's own person is never used. Columns: ``anchor_path``, ``other_path``,
    ``label`` (int 0/1). Raises :class:`DataError` when the folders give no pairs.
    """
    rng = np.random.default_rng(config.seed if seed is None else seed)
    folder_photos = {f: [p.relative_to(config.data_dir).as_posix() for p in list_photos(config.data_dir / f)] for f in FOLDERS}
    anchors = np.array(folder_photos["anchor"], dtype=object)
    negatives = np.array(folder_photos["negative"], dtype=object)
    anchor_ids = np.array([identity_of(p) for p in anchors], dtype=object)
    negative_ids = np.array([identity_of(p) for p in negatives], dtype=object)

    positives_by_id: dict[str, list[str]] = {}
    for path in folder_photos["positive"]:
        positives_by_id.setdefault(identity_of(path), []).append(path)
    same = [(a, p) for a, who in zip(anchors, anchor_ids) for p in positives_by_id.get(who, [])]
    if not same:
        raise DataError(
            "No same-person pairs: anchor/ and positive/ share no person. Capture anchor and "
            "positive photos in the app, or run `facekit data import-lfw` first."
        )
    different = _sample_different(anchor_ids, negative_ids, len(same), rng)
    if len(different) < len(same):  # too few negatives: balance by using fewer positives
        keep = rng.choice(len(same), size=len(different), replace=False)
        same = [same[i] for i in np.sort(keep)]
    if not same:
        raise DataError("No different-person pairs: negative/ is empty. Run `facekit data import-lfw` first.")
    rows = [(a, p, 1) for a, p in same] + [(anchors[i], negatives[j], 0) for i, j in different]
    table = pd.DataFrame(rows, columns=["anchor_path", "other_path", "label"])
    return table.sample(frac=1.0, random_state=int(rng.integers(2**31))).reset_index(drop=True)


def _sample_different(anchor_ids: np.ndarray, negative_ids: np.ndarray, wanted: int, rng) -> list[tuple[int, int]]:
    """Up to ``wanted`` distinct (anchor index, negative index) pairs of different identities."""
    n_a, n_n = len(anchor_ids), len(negative_ids)
    if n_a == 0 or n_n == 0:
        return []
    chosen: set[int] = set()
    for _ in range(20):  # rejection sampling; each round draws what is still missing, with slack
        if len(chosen) >= wanted or len(chosen) >= n_a * n_n:
            break
        flat = rng.integers(0, n_a * n_n, size=2 * (wanted - len(chosen)) + 16)
        a, n = np.divmod(flat, n_n)
        for code in flat[anchor_ids[a] != negative_ids[n]]:
            chosen.add(int(code))
            if len(chosen) == wanted:
                break
    return [tuple(int(v) for v in divmod(code, n_n)) for code in sorted(chosen)]


def save_pairs(table: pd.DataFrame, config: Config = Config()) -> Path:
    """Write the pairs table to ``config.pairs_csv`` atomically; return the path."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    tmp = config.pairs_csv.with_suffix(".csv.tmp")
    table.to_csv(tmp, index=False)
    os.replace(tmp, config.pairs_csv)
    return config.pairs_csv


def load_pairs(config: Config = Config()) -> pd.DataFrame:
    """Read ``pairs.csv`` (raises :class:`DataError` with the command to make it when missing)."""
    if not config.pairs_csv.exists():
        raise DataError(f"{config.pairs_csv} does not exist yet. Run `facekit data pairs` first.")
    return pd.read_csv(config.pairs_csv, dtype={"anchor_path": str, "other_path": str, "label": int})


# --- LFW protocol pairs ------------------------------------------------------------------------------


def _pair_lines(path: Path) -> list[list[str]]:
    return [line.split() for line in Path(path).read_text().splitlines() if len(line.split()) in (3, 4)]


def lfw_photo_path(lfw_dir: Path, name: str, number: int | str) -> Path:
    return Path(lfw_dir) / name / f"{name}_{int(number):04d}.jpg"


def read_lfw_pairs(pairs_file: Path, lfw_dir: Path) -> pd.DataFrame:
    """LFW's protocol pairs as a table: ``anchor_path``, ``other_path`` (absolute), ``label``, ``fold``.

    Reads ``pairsDevTrain.txt`` / ``pairsDevTest.txt`` (one fold: N same-person lines
    ``name i j``, then N different-person lines ``name1 i name2 j``) and ``pairs.txt`` (a
    ``folds N`` header, then per fold N same then N different). Raises :class:`DataError` for a
    missing or malformed file, or a photo missing from ``lfw_dir``.
    """
    pairs_file = Path(pairs_file)
    if not pairs_file.exists():
        raise DataError(f"No LFW pairs file at {pairs_file}.")
    header = pairs_file.read_text().splitlines()[0].split()
    try:
        n_folds, per_class = (1, int(header[0])) if len(header) == 1 else (int(header[0]), int(header[1]))
    except (IndexError, ValueError):
        raise DataError(f"{pairs_file} does not start with LFW's pair-count header.") from None
    lines = _pair_lines(pairs_file)
    lfw_dir = Path(lfw_dir).resolve()
    if len(lines) != n_folds * 2 * per_class:
        raise DataError(f"{pairs_file} should hold {n_folds * 2 * per_class} pairs but holds {len(lines)}.")
    rows = []
    for index, fields in enumerate(lines):
        if len(fields) == 3:
            a, b, label = lfw_photo_path(lfw_dir, fields[0], fields[1]), lfw_photo_path(lfw_dir, fields[0], fields[2]), 1
        else:
            a, b, label = lfw_photo_path(lfw_dir, fields[0], fields[1]), lfw_photo_path(lfw_dir, fields[2], fields[3]), 0
        rows.append((str(a), str(b), label, index // (2 * per_class)))
    table = pd.DataFrame(rows, columns=["anchor_path", "other_path", "label", "fold"])
    missing = [p for p in pd.unique(table[["anchor_path", "other_path"]].values.ravel()) if not Path(p).exists()]
    if missing:
        raise DataError(
            f"{len(missing)} photos of {pairs_file.name} are not in {lfw_dir} (e.g. {missing[0]}). "
            "Point --lfw-dir at the imported LFW folder (data/lfw after `facekit data import-lfw`)."
        )
    return table


# --- statistics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataStats:
    """What is in a data folder: the numbers ``facekit data stats`` prints and the EDA page plots.

    ``people`` has one row per (folder, person) with column ``photos``; ``image_sizes`` counts
    ``(width, height)`` in pixels; ``pairs`` counts pairs per label (empty without pairs.csv).
    """

    folder_counts: dict[str, int]
    people: pd.DataFrame
    image_sizes: dict[tuple[int, int], int]
    pairs: dict[int, int]


def dataset_stats(config: Config = Config()) -> DataStats:
    """Count photos per folder and person, image sizes and pairs balance (reads headers only)."""
    rows, sizes = [], Counter()
    for folder in FOLDERS:
        for photo in list_photos(config.data_dir / folder):
            rows.append((folder, identity_of(photo)))
            try:
                with Image.open(photo) as image:
                    sizes[image.size] += 1
            except OSError:
                sizes[(0, 0)] += 1  # unreadable: counted, shown as 0x0
    people = pd.DataFrame(rows, columns=["folder", "person"])
    people = people.groupby(["folder", "person"]).size().rename("photos").reset_index()
    folder_counts = {f: int(people.loc[people.folder == f, "photos"].sum()) for f in FOLDERS}
    pairs = {}
    if config.pairs_csv.exists():
        pairs = {int(k): int(v) for k, v in load_pairs(config)["label"].value_counts().sort_index().items()}
    return DataStats(folder_counts, people, dict(sizes), pairs)


# --- streaming from paths -----------------------------------------------------------------------


def _decode_chip(path, size: int, grey: bool):
    """A chip PNG path (string tensor) -> ``(size, size, 1|3)`` float32 tensor in [0, 1]."""
    import tensorflow as tf

    image = tf.io.decode_png(tf.io.read_file(path), channels=3)
    image = tf.image.resize(image, (size, size), method="area") / 255.0
    return tf.image.rgb_to_grayscale(image) if grey else image


def pair_dataset(
    chips_a: list[str],
    chips_b: list[str],
    labels: list[int] | np.ndarray,
    size: int,
    grey: bool,
    batch_size: int = 32,
):
    """A ``tf.data.Dataset`` of ``((a, b), label)`` batches, decoded from chip files as it goes.

    ``chips_a[i]``, ``chips_b[i]`` are chip PNG paths (see :mod:`facekit.chips`); images come out
    ``(batch, size, size, 1 if grey else 3)`` float32 in [0, 1], labels float32. Only paths are
    held in memory; decoding runs in parallel and the next batches are prefetched.
    """
    import tensorflow as tf

    def load_pair(a, b, label):
        return (_decode_chip(a, size, grey), _decode_chip(b, size, grey)), tf.cast(label, tf.float32)

    dataset = tf.data.Dataset.from_tensor_slices((list(map(str, chips_a)), list(map(str, chips_b)), np.asarray(labels)))
    return dataset.map(load_pair, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def photo_dataset(chips: list[str], size: int, grey: bool, batch_size: int = 64):
    """Chips streamed from paths, in order: batches of ``(batch, size, size, C)`` float32 in [0, 1]."""
    import tensorflow as tf

    paths = tf.data.Dataset.from_tensor_slices(list(map(str, chips)))
    images = paths.map(lambda path: _decode_chip(path, size, grey), num_parallel_calls=tf.data.AUTOTUNE)
    return images.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def photo_measurements(config: Config = Config(), sample: int = 300, seed: int | None = None) -> pd.DataFrame:
    """Brightness and sharpness of up to ``sample`` photos per folder (seeded random choice).

    Columns: ``path``, ``folder``, ``person``, ``width``, ``height`` (pixels), ``brightness``
    (mean grey level, 0-255) and ``sharpness`` (variance of the Laplacian of the photo shrunk to
    128x128; higher is sharper). Unreadable photos are skipped.
    """
    rng = np.random.default_rng(config.seed if seed is None else seed)
    rows = []
    for folder in FOLDERS:
        photos = list_photos(config.data_dir / folder)
        for index in sorted(rng.permutation(len(photos))[:sample]):
            try:
                with Image.open(photos[index]) as image:
                    grey = np.asarray(image.convert("L"))
            except OSError:
                continue
            rows.append((str(photos[index]), folder, identity_of(photos[index]), grey.shape[1], grey.shape[0],
                         *light_and_focus(grey)))
    return pd.DataFrame(rows, columns=["path", "folder", "person", "width", "height", "brightness", "sharpness"])
