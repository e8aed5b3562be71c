"""Labeled Faces in the Wild: download, import into the data folders, protocol files and pairs."""

from __future__ import annotations

import os
import shutil
import tarfile
import urllib.request
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from facekit.config import Config
from facekit.data.folders import FOLDERS, identity_of, list_photos
from facekit.errors import DataError
from facekit.files import file_digest, write_atomic

PROTOCOL_FILES = ("pairs.txt", "pairsDevTrain.txt", "pairsDevTest.txt", "peopleDevTrain.txt", "peopleDevTest.txt")

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
        if target.exists() and (sha256 is None or file_digest(target, "sha256") == sha256):
            continue
        _download(url, target, sha256, progress)
    return dest / "lfw.tgz"


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
    if sha256 is not None and file_digest(partial, "sha256") != sha256:
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
        _check_archive_is_whole(archive)
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and m.name.lower().endswith(".jpg")]
            if not members:
                raise DataError(f"{archive} holds no .jpg photos; is it LFW's lfw.tgz?")
            for member in tqdm(members, desc="Extracting LFW", unit="photo", disable=not progress):
                parts = Path(member.name).parts
                target = lfw_dir / parts[-2] / parts[-1]  # <Name>/<Name>_NNNN.jpg, whatever the prefix
                if target.exists():
                    continue
                with tar.extractfile(member) as src:
                    write_atomic(target, lambda tmp: tmp.write_bytes(src.read()))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise DataError(f"Could not read {archive} as a .tgz archive ({exc})", "Download it again.") from None


def _check_archive_is_whole(archive: Path) -> None:
    """Read the whole archive before anything is extracted. ``tarfile`` stops quietly at a
    damaged header and would pass the photos before it off as the whole of LFW, so the rest of
    the stream must be the archive's zero padding, and the compressed stream must end intact."""
    with tarfile.open(archive) as tar:
        for _ in tar:
            pass
        stream = tar.fileobj
        stream.seek(tar.offset)
        while block := stream.read(1 << 20):
            if block.strip(b"\0"):
                raise DataError(
                    f"{archive} is damaged: it stops making sense after {len(tar.getmembers())} files, "
                    "so nothing was imported", "Download it again (`facekit data import-lfw` with no path downloads it).",
                )


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
    source: Path | None = None, config: Config | None = None, min_images: int | None = None, progress: bool = True
) -> ImportReport:
    """Import LFW into ``config.data_dir``.

    ``source`` is a local ``lfw.tgz`` or extracted ``lfw/`` folder with the protocol files beside
    it; ``None`` downloads both. Keeps an untouched copy in ``data/lfw/``, copies the protocol
    files to ``data/lfw_protocol/``, then puts every photo of a training person (anyone not in
    View 1's test split) in one training folder: people with at least ``min_images`` photos
    (default ``config.anchor_min_images``) alternate between ``anchor/`` and ``positive/``; the
    rest go to ``negative/``. Files keep LFW's names; running it again adds nothing twice.
    """
    config = config or Config()
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
    write_atomic(dst, lambda tmp: shutil.copy2(src, tmp))


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
