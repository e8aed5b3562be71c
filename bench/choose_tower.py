"""Which default tower? Validation people decide (never test people): SFace alone, SFace with its
mirror image averaged in, and SFace joined with dlib's tower (a head over both distances), each
fitted the way `facekit train` fits an outside tower (head on the validation people's pairs, lines
on the training people's pairs and look-alikes), then read on the validation threshold half: the
share of pairs answered firmly, how often those are right, and look-alikes called "same", at the
shipped aims and at stricter ones (:data:`AIMS`). Also each tower's time a face.

    python bench/choose_tower.py            # ~15 min on 2 cores (every training photo through both towers)
"""

import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from facekit.config import DLIB_CHIPS, SFACE_CHIPS, Config
from facekit.data.pipeline import photo_dataset
from facekit.data.split import training_split
from facekit.decision.metrics import binary_metrics, three_way_metrics, verdict_thresholds
from facekit.model.calibrate import look_alike_candidates, look_alike_pairs
from facekit.model.pretrained import OUTSIDE_TOWERS, _roles_for_an_outside_tower


# The aims the lines are read at (on training people): look-alikes called "same" at most, same-person
# pairs called "different" at most. The first is the shipped dlib model's.
AIMS = ((0.02, 0.01), (0.005, 0.01), (0.005, 0.005), (0.005, 0.0025), (0.0025, 0.0025))


def _embed(tower, chips: list[str], side: int, mirror: bool) -> np.ndarray:
    images = photo_dataset(chips, side, grey=False)
    plain = tower.predict(images, verbose=0)
    if mirror:
        plain = plain + tower.predict(images.map(lambda x: x[:, :, ::-1, :]), verbose=0)
    return plain / np.linalg.norm(plain, axis=1, keepdims=True)


def _pairs_chips(split) -> list[str]:
    return [*split.head_pairs[0], *split.head_pairs[1], *split.threshold_pairs[0], *split.threshold_pairs[1]]


def main() -> None:
    config = Config()
    sface_split = training_split(config.with_(**SFACE_CHIPS), workers=2, progress=True)
    dlib_split = training_split(config.with_(**DLIB_CHIPS), workers=2, progress=True)
    # The same photos in both framings (one face finder), so the two splits line up chip for chip.
    dlib_of = dict(zip(sface_split.train_chips, dlib_split.train_chips))
    for person, chips in sface_split.validation_people.items():
        dlib_of.update(zip(chips, dlib_split.validation_people[person]))
    roles = _roles_for_an_outside_tower(sface_split, config.seed)
    chips = list(dict.fromkeys([*_pairs_chips(roles), *_pairs_chips(sface_split), *look_alike_candidates(roles),
                                *look_alike_candidates(sface_split)]))
    print(f"{len(chips)} chips of {sface_split.description['training_people']} training and "
          f"{sface_split.description['validation_people']} validation people")

    towers = {name: OUTSIDE_TOWERS[name].build(OUTSIDE_TOWERS[name].locate()) for name in ("sface", "pretrained")}
    for name, tower in towers.items():
        side = tower.input_shape[1]
        batch = np.random.default_rng(0).random((64, side, side, 3), np.float32)
        tower.predict(batch[:8], verbose=0)
        started = time.perf_counter()
        tower.predict(batch, verbose=0)
        print(f"{name}: Keras {1000 * (time.perf_counter() - started) / 64:.1f} ms a face (batch of 64, 2 cores)")

    started = time.time()
    sface = dict(zip(chips, _embed(towers["sface"], chips, 112, mirror=False)))
    sface_mirror = dict(zip(chips, _embed(towers["sface"], chips, 112, mirror=True)))
    dlib_chips = [dlib_of[c] for c in chips]
    dlib = dict(zip(chips, _embed(towers["pretrained"], dlib_chips, 150, mirror=True)))
    print(f"embedded in {time.time() - started:.0f} s")

    def distance(vectors):
        return lambda a, b: np.linalg.norm(np.stack([vectors[x] for x in a]) - np.stack([vectors[y] for y in b]), axis=1)

    candidates = {
        "SFace": [distance(sface)],
        "SFace + mirror": [distance(sface_mirror)],
        "SFace + dlib (two distances)": [distance(sface_mirror), distance(dlib)],
        "dlib + mirror (today)": [distance(dlib)],
    }
    look_alike_vectors = {"SFace": sface, "SFace + mirror": sface_mirror, "SFace + dlib (two distances)": sface_mirror,
                          "dlib + mirror (today)": dlib}
    print(f"\n{'candidate':30s} {'aims: look-alikes same, same called different':>46s} {'val AUC':>8s} {'answered':>9s} "
          f"{'right':>7s} {'look-alikes same':>17s}")
    for name, parts in candidates.items():
        def features(a, b):
            return np.stack([part(a, b) for part in parts], axis=1)

        head = LogisticRegression(C=1.0, max_iter=3000).fit(features(*roles.head_pairs[:2]), roles.head_pairs[2])

        def probability(a, b):
            return head.predict_proba(features(a, b))[:, 1]

        vectors = look_alike_vectors[name]
        train_alikes = look_alike_pairs(roles, vectors, config.seed)
        val_alikes = look_alike_pairs(sface_split, vectors, config.seed)
        train_labels, val_labels = roles.threshold_pairs[2], sface_split.threshold_pairs[2]
        train_scores = probability(*roles.threshold_pairs[:2])
        train_hard = probability([a for a, _ in train_alikes], [b for _, b in train_alikes])
        val_scores = probability(*sface_split.threshold_pairs[:2])
        val_hard = probability([a for a, _ in val_alikes], [b for _, b in val_alikes])
        auc = binary_metrics(val_labels, val_scores, 0.5)["auc"]
        for same_aim, different_aim in AIMS:
            different_below, same_from = verdict_thresholds(train_scores[train_labels == 1], train_hard, same_aim, different_aim)
            figures = three_way_metrics(val_labels, val_scores, different_below, same_from, val_hard)
            print(f"{name:30s} {f'{same_aim:.2%}, {different_aim:.2%}':>46s} {auc:8.4f} {figures['coverage']:9.1%} "
                  f"{figures['confident_accuracy']:7.2%} {figures['false_same_hard']:17.2%}")


if __name__ == "__main__":
    main()
