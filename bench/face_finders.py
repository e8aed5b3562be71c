"""MTCNN against the fast finder (BlazeFace + face mesh, looking again where they find nothing) for the
default model, in one run.

For every photo of LFW's View 1 pairs (pairsDevTrain: the line; pairsDevTest: the figures), each
finder finds the main face and its five points, the face is cut in the pretrained model's framing
and the model scores the pairs. Prints per finder: photos where no face was found (cut by LFW's
fixed framing instead), median milliseconds per photo (MTCNN's timed on 100 of them; its chips
come from the chip cache, as `facekit evaluate` uses them), and View 1 accuracy (line: the best on
pairsDevTrain) and ROC AUC. Run from the project root after `facekit data import-lfw`.

`--all-lfw`: every LFW photo through the fast finder against MTCNN's faces (read from the chip
cache `facekit data chips` fills): faces found by each, and how often the fast finder's main face
is MTCNN's (box centres within half a face width).
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facekit import Config, load_image, load_verifier  # noqa: E402
from facekit.data.lfw import read_lfw_pairs  # noqa: E402
from facekit.decision.metrics import best_threshold, binary_metrics  # noqa: E402
from facekit.errors import NoFaceFound  # noqa: E402
from facekit.faces.align import align_face, lfw_centre_chip  # noqa: E402
from facekit.faces.chips import chip_photos, read_chip  # noqa: E402
from facekit.faces.detect import detect_faces, main_face  # noqa: E402


def _chips(photos: list[Path], find, config: Config) -> tuple[dict, int, float]:
    """Chips of ``photos`` by the finder ``find``; how many had no face; median ms per photo."""
    chips, missed, seconds = {}, 0, []
    for photo in photos:
        image = load_image(photo, config)
        started = time.perf_counter()
        try:
            face = main_face(find(image), config)
            chips[photo] = align_face(image, face.landmarks, config)
        except NoFaceFound:
            chips[photo], missed = lfw_centre_chip(image, config).chip, missed + 1
        seconds.append(time.perf_counter() - started)
    return chips, missed, statistics.median(seconds) * 1000


def main() -> None:
    verifier = load_verifier()
    config = verifier.framing(Config(face_finder="mtcnn"))
    train = read_lfw_pairs(config.protocol_dir / "pairsDevTrain.txt", config.lfw_dir)
    test = read_lfw_pairs(config.protocol_dir / "pairsDevTest.txt", config.lfw_dir)
    photos = sorted({Path(p) for p in (*train.anchor_path, *train.other_path, *test.anchor_path, *test.other_path)})
    print(f"{len(photos)} photos of pairsDevTrain + pairsDevTest, {config.model} model")
    cached = chip_photos(photos, config, workers=2, lfw_fallback=True)  # MTCNN's chips, as evaluation cuts them
    mtcnn = ({p: read_chip(r.chip_path) for p, r in cached.items()}, sum(r.used_lfw_framing for r in cached.values()),
             _chips(photos[:: max(1, len(photos) // 100)], lambda image: detect_faces(image, config), config)[2])
    fast = config.with_(face_finder="fast")
    for name, (chips, missed, ms) in (("MTCNN", mtcnn), ("BlazeFace + mesh, then MTCNN", _chips(photos, lambda image: detect_faces(image, fast), fast))):
        scores = {}
        for label, pairs in (("train", train), ("test", test)):
            scores[label] = verifier.probabilities(np.stack([chips[Path(p)] for p in pairs.anchor_path]),
                                                   np.stack([chips[Path(p)] for p in pairs.other_path]))
        line = best_threshold(train.label, scores["train"])
        figures = binary_metrics(test.label, scores["test"], line)
        print(f"  {name:17s} no face {missed:4d}   {ms:6.1f} ms/photo (median)   View 1 accuracy {figures['accuracy']:.3f}"
              f"   AUC {figures['auc']:.4f}")


def all_lfw() -> None:
    import json

    from facekit.files import file_digest

    config = Config(face_finder="mtcnn")
    fast, photos = config.with_(face_finder="fast"), sorted(config.lfw_dir.glob("*/*.jpg"))
    mtcnn_found = fast_found = same = compared = 0
    for photo in photos:
        cached = config.faces_dir / (sha := file_digest(photo))[:2] / f"{sha}.json"
        mtcnn = json.loads(cached.read_text()) if cached.exists() else None
        image = load_image(photo, config)
        faces = detect_faces(image, fast)
        fast_found += bool(faces)
        if mtcnn and "box" in mtcnn:
            mtcnn_found += 1
            if faces:
                compared += 1
                x, y, w, h = mtcnn["box"]
                fx, fy, fw, fh = faces[0].box  # the most prominent, as main_face takes it
                same += np.hypot(fx + fw / 2 - x - w / 2, fy + fh / 2 - y - h / 2) < w / 2
    print(f"{len(photos)} LFW photos: a face found by MTCNN in {mtcnn_found} (cached), by the fast finder in {fast_found}; "
          f"the same main face in {same} of {compared} found by both ({same / max(1, compared):.2%})")


if __name__ == "__main__":
    all_lfw() if "--all-lfw" in sys.argv else main()
