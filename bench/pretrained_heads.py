"""Which head on dlib's tower? Validation people decide (never test people): for each way of
turning the tower's descriptor into the head's input, the AUC and the share of pairs answered at
the shipped rule ("same" where <= 2% of look-alikes pass, "different" where <= 1% of same-person
pairs fall), on the validation threshold half, with the head fitted on the other half.

    python bench/pretrained_heads.py
"""

import numpy as np
from sklearn.linear_model import LogisticRegression

from facekit import Config, load_verifier
from facekit.data.pipeline import photo_dataset
from facekit.data.split import training_split
from facekit.decision.metrics import binary_metrics, three_way_metrics, verdict_thresholds
from facekit.model.calibrate import look_alike_candidates, look_alike_pairs
from facekit.model.siamese import load_siamese


def main() -> None:
    config = Config(model="pretrained")
    verifier = load_verifier(config)
    split = training_split(verifier.framing(config))
    tower = load_siamese(config.siamese_path).get_layer("chip_embedding").get_layer("dlib_resnet")
    chips = list(dict.fromkeys([*look_alike_candidates(split), *split.head_pairs[0], *split.head_pairs[1],
                                *split.threshold_pairs[0], *split.threshold_pairs[1]]))
    images = photo_dataset(chips, verifier.framing(config).chip_size, grey=False)
    plain = tower.predict(images, verbose=0)
    mirrored = tower.predict(images.map(lambda x: x[:, :, ::-1, :]), verbose=0)

    def unit(x):
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    embeddings = {"raw descriptor": plain, "unit descriptor": unit(plain), "descriptor + mirror, unit": unit(plain + mirrored)}
    distances = {"L1 head (128 weights)": np.abs,
                 "Euclidean distance (2 numbers)": lambda d: np.sqrt((d**2).sum(axis=1, keepdims=True))}
    print(f"{'embedding':28s} {'head':32s} {'AUC':>6s} {'answered':>9s}")
    for name, matrix in embeddings.items():
        vectors = dict(zip(chips, matrix))
        look_alikes = look_alike_pairs(split, vectors, config.seed)
        for head_name, distance in distances.items():
            def features(a, b):
                return distance(np.stack([vectors[x] for x in a]) - np.stack([vectors[y] for y in b]))

            head = LogisticRegression(C=1.0, max_iter=3000).fit(features(*split.head_pairs[:2]), split.head_pairs[2])
            labels = split.threshold_pairs[2]
            scores = head.predict_proba(features(*split.threshold_pairs[:2]))[:, 1]
            hard = head.predict_proba(features([a for a, _ in look_alikes], [b for _, b in look_alikes]))[:, 1]
            different_below, same_from = verdict_thresholds(scores[labels == 1], hard, Config().max_false_same_look_alikes,
                                                            Config().max_false_different_pretrained)
            coverage = three_way_metrics(labels, scores, different_below, same_from, hard)["coverage"]
            print(f"{name:28s} {head_name:32s} {binary_metrics(labels, scores, 0.5)['auc']:6.3f} {coverage:9.1%}")


if __name__ == "__main__":
    main()
