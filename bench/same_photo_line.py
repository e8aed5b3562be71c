"""When are two photos one photo? The cosine of a photo's embedding with a copy of it (re-saved at
JPEG quality 60, cropped by a tenth on each side, halved), against the cosine of two distinct photos
of one person, for each model that names people: what `facekit.gallery.people._SAME_PHOTO` rests on
("Who is this?" says a photo is itself one of the reference photos). LFW's training folders only
(150 photos of negative/, 120 people of anchor/ with up to 6 photos each, seed 0); ~2 min.

    python bench/same_photo_line.py
"""

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facekit import Config, FacekitError, load_verifier  # noqa: E402


def _copies(photo: Path) -> dict[str, bytes]:
    image = Image.open(photo).convert("RGB")
    width, height = image.size
    made = {"JPEG quality 60": image, "cropped a tenth a side": image.crop(
        (width // 10, height // 10, width - width // 10, height - height // 10)), "halved": image.resize((width // 2, height // 2))}
    out = {}
    for name, copy in made.items():
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=60 if name == "JPEG quality 60" else 90)
        out[name] = buffer.getvalue()
    return out


def main() -> None:
    config = Config()
    rng = np.random.default_rng(0)
    singles = sorted((config.data_dir / "negative").glob("*.jpg"))
    singles = [singles[i] for i in rng.choice(len(singles), 150, replace=False)]
    people: dict[str, list[Path]] = {}
    for photo in sorted((config.data_dir / "anchor").glob("*.jpg")):
        people.setdefault(photo.stem.rsplit("_", 1)[0], []).append(photo)
    for model in ("sface", "pretrained", "scratch"):
        verifier = load_verifier(config.with_(model=model))
        copies: dict[str, list[float]] = {}
        for photo in singles:
            try:
                original = verifier.embed_photo(photo, "a")[1]
                for name, data in _copies(photo).items():
                    copies.setdefault(name, []).append(float(original @ verifier.embed_photo(data, "b")[1]))
            except FacekitError:
                continue
        distinct = []
        for photos in list(people.values())[:120]:
            embeddings = np.stack([verifier.embed_photo(p, "x")[1] for p in photos[:6]])
            upper = np.triu_indices(len(embeddings), 1)
            distinct += list((embeddings @ embeddings.T)[upper])
        print(f"{model}: distinct photos of one person ({len(distinct)} pairs): max {max(distinct):.4f}, "
              f"99th percentile {np.percentile(distinct, 99):.4f}")
        for name, values in copies.items():
            print(f"  copies, {name} ({len(values)}): min {min(values):.4f}, 1st percentile {np.percentile(values, 1):.4f}, "
                  f"median {np.median(values):.4f}")


if __name__ == "__main__":
    main()
