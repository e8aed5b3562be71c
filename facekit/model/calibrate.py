"""Turn a trained tower's embeddings into answers: the calibrated sigmoid head and the lines.

On held-out *training* people only (test people never choose anything):

1. the sigmoid head of the Siamese model (weights on ``|e_a - e_b|``) is a logistic regression
   fitted on pairs of one half of them, so its output is a Platt-calibrated P(same);
2. on pairs of the other half, three lines are chosen: ``threshold``, the best accuracy on
   random pairs (what published figures use); ``same_from``, where at most 2% of *look-alike*
   impostors (each person's nearest other people in embedding space, looked for among the
   validation and the training people) would be called "same";
   ``different_below``, where at most 5% of same-person pairs would be called "different".

``facekit train siamese`` runs this after training the tower; ``facekit train calibrate`` runs it
again on the saved model (e.g. after the rules change), without retraining; ``facekit train
ensemble`` puts the towers of several trained models into one Siamese model and runs it for that.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from facekit.config import Config
from facekit.data.pairs import LOOK_ALIKE_NEIGHBOURS, hard_impostor_pairs
from facekit.data.split import Split, embed_chip_files, pair_embeddings, training_split
from facekit.decision.metrics import best_threshold, binary_metrics, calibration_error, three_way_metrics, verdict_thresholds
from facekit.errors import DataError
from facekit.model.export import save_siamese
from facekit.model.head import head_probability
from facekit.model.layers import distance_features

_PAIRS_PER_NEIGHBOUR = 10  # photo pairs per look-alike couple: ~1,300 pairs, so the 2% point rests on ~26
_CROWD_PHOTOS = 5  # photos per training person placing them in embedding space


def fit_head_and_thresholds(siamese, split: Split, config: Config, max_false_different: float | None = None,
                            max_false_same: float | None = None) -> dict:
    """Set ``siamese``'s sigmoid head (in place) and return the thresholds and validation figures
    for ``siamese.json``: ``threshold``, ``thresholds`` (``same_from``, ``different_below``),
    ``validation`` (accuracy, AUC, the three-way figures), ``calibration``. The "different" line
    loses at most ``max_false_different`` (default ``config.max_false_different``) of same-person pairs;
    the "same" line lets at most ``max_false_same`` (default ``config.max_false_same_look_alikes``) of
    look-alike pairs through."""
    max_false_different = config.max_false_different if max_false_different is None else max_false_different
    max_false_same = config.max_false_same_look_alikes if max_false_same is None else max_false_same
    chip_embedding = siamese.get_layer("chip_embedding")

    def features(pairs):
        return distance_features(siamese, *pair_embeddings(chip_embedding, pairs, config))

    head = LogisticRegression(C=1.0, max_iter=2000)
    head.fit(features(split.head_pairs), split.head_pairs[2])
    siamese.get_layer("same_probability").set_weights([head.coef_.T.astype("float32"), head.intercept_.astype("float32")])

    chips_a, chips_b, labels = split.threshold_pairs
    probabilities = head.predict_proba(features(split.threshold_pairs))[:, 1]
    threshold = best_threshold(labels, probabilities)
    hard = _hard_impostor_probabilities(lambda x: head.predict_proba(x)[:, 1], siamese, split, config)
    different_below, same_from = verdict_thresholds(probabilities[labels == 1], hard, max_false_same, max_false_different)
    validation = binary_metrics(labels, probabilities, threshold)
    error = calibration_error(labels, probabilities)
    return {
        "threshold": threshold,
        "thresholds": {
            "same_from": same_from,
            "different_below": different_below,
            "rule": f"'same' from the lowest P(same) where <= {max_false_same:.1%} of look-alike impostor pairs "
            f"are called 'same' (each threshold-half validation person with their {LOOK_ALIKE_NEIGHBOURS} nearest other "
            f"people among the validation and training people, {_PAIRS_PER_NEIGHBOUR} random photo pairs each); "
            "'different' below the highest P(same) where <= "
            f"{max_false_different:.1%} of same-person pairs are called 'different'; 'unsure' between",
        },
        "validation": {
            **{k: validation[k] for k in ("accuracy", "auc", "n_pairs")},
            "three_way": three_way_metrics(labels, probabilities, different_below, same_from, hard),
        },
        "calibration": "logistic regression (Platt) of the distance head, fitted on pairs of held-out "
        f"training people; expected calibration error on the other held-out half: {error:.3f}",
        "expected_calibration_error": error,
    }


def _hard_impostor_probabilities(probability, siamese, split: Split, config: Config) -> np.ndarray:
    """P(same) of the look-alike pairs of :func:`look_alike_pairs`; ``probability`` maps the
    head's input features to P(same)."""
    vectors = embed_chip_files(siamese.get_layer("chip_embedding"), look_alike_candidates(split), config)
    pairs = look_alike_pairs(split, vectors, config.seed)
    return probability(distance_features(siamese, np.stack([vectors[a] for a, _ in pairs]),
                                         np.stack([vectors[b] for _, b in pairs])))


def _head_of(siamese):
    """``siamese``'s own sigmoid head as a numpy function: its input features -> P(same) ``(n,)``."""
    weights, bias = siamese.get_layer("same_probability").get_weights()
    return lambda features: head_probability(features, weights.reshape(-1), float(bias[0]))


def figures_at_lines(siamese, split: Split, config: Config, different_below: float, same_from: float) -> dict:
    """The three-way figures of ``siamese`` (its own head) at given lines on ``split``'s threshold
    people: their pairs and their look-alikes. A check of lines chosen on other people."""
    probability = _head_of(siamese)
    chips_a, chips_b, labels = split.threshold_pairs
    embeddings = pair_embeddings(siamese.get_layer("chip_embedding"), split.threshold_pairs, config)
    probabilities = probability(distance_features(siamese, *embeddings))
    hard = _hard_impostor_probabilities(probability, siamese, split, config)
    return {**{k: v for k, v in binary_metrics(labels, probabilities, 0.5).items() if k in ("auc", "n_pairs")},
            "three_way": three_way_metrics(labels, probabilities, different_below, same_from, hard)}


def look_alike_candidates(split: Split) -> list[str]:
    """The chips that place people in embedding space for :func:`look_alike_pairs`: the
    threshold half of the validation people, and 5 photos of each training person."""
    return [c for chips in _crowd_and_threshold_people(split).values() for c in chips]


def look_alike_pairs(split: Split, vectors: dict[str, np.ndarray], seed: int) -> list[tuple[str, str]]:
    """Look-alike impostor pairs ``(chip a, chip b)``: each threshold person with their nearest
    other people, found among the other validation people and the training people (a crowd the
    size of LFW's test people: among only 71 people, look-alikes are far less alike than in a
    real crowd). ``vectors`` holds the unit embedding of every chip of :func:`look_alike_candidates`."""
    everyone = _crowd_and_threshold_people(split)
    embeddings = {person: np.stack([vectors[c] for c in chips]) for person, chips in everyone.items()}
    people = {p: embeddings[p] for p in split.threshold_people}
    among = {p: v for p, v in embeddings.items() if p not in split.threshold_people}
    couples = hard_impostor_pairs(people, LOOK_ALIKE_NEIGHBOURS, _PAIRS_PER_NEIGHBOUR, seed, among=among)
    return [(everyone[a][i], everyone[b][j]) for a, i, b, j in couples]


def _crowd_and_threshold_people(split: Split) -> dict[str, list[str]]:
    by_class: dict[int, list[str]] = {}
    for chip, label in zip(split.train_chips, split.train_labels):
        if len(by_class.setdefault(int(label), [])) < _CROWD_PHOTOS:
            by_class[int(label)].append(chip)
    return {**{f"training person {label}": chips for label, chips in by_class.items()}, **split.threshold_people}


def calibrate(config: Config | None = None, workers: int = 1, progress: bool = False) -> dict:
    """Refit the head and the thresholds of the saved model in ``config.models_dir``; rewrite
    ``siamese.keras`` and update ``siamese.json``. Returns the updated record."""
    from facekit.model.siamese import load_siamese

    config = (config or Config()).with_(model="scratch")  # the pretrained model: `facekit train pretrained`
    siamese = load_siamese(config.siamese_path)
    record = json.loads(config.siamese_info_path.read_text()) if config.siamese_info_path.exists() else {}
    record.update(fit_head_and_thresholds(siamese, training_split(config, workers, progress), config))
    return save_siamese(siamese, record, config)


def ensemble(member_dirs: list[Path], config: Config | None = None, workers: int = 1, progress: bool = False) -> dict:
    """One Siamese model over the towers of several trained models (``models`` folders of
    ``facekit train siamese``, trained on the same split), with its own head and lines fitted on
    the same validation people; saved to ``config.models_dir`` with each member's record."""
    from facekit.model.siamese import build_ensemble_siamese, load_siamese

    config = (config or Config()).with_(model="scratch")
    started = time.time()
    members = [json.loads((Path(d) / "siamese.json").read_text()) for d in member_dirs]
    split = training_split(config, workers, progress)
    for folder, member in zip(member_dirs, members):
        same_split = member.get("split", {}).get("training_people") == split.description["training_people"]
        if not same_split or member.get("seed") != config.seed:
            raise DataError(f"The model in {folder} was trained on another split of people",
                            "Train every member on the same data folder and seed.")
    siamese = build_ensemble_siamese(
        [load_siamese(Path(d) / "siamese.keras").get_layer("chip_embedding") for d in member_dirs], config)
    answers = fit_head_and_thresholds(siamese, split, config)
    joining_seconds = time.time() - started
    record = {
        "model": config.siamese_path.name,
        **answers,
        "split": split.description,
        "seed": config.seed,
        "members": [{k: m.get(k) for k in ("trained_at", "epochs_run", "best_epoch", "training_seconds",
                                            "peak_memory_mib", "parameters", "validation", "config")} for m in members],
        "epochs_run": sum(m.get("epochs_run", 0) for m in members),
        "joining_seconds": round(joining_seconds, 1),
        "training_seconds": round(sum(m.get("training_seconds", 0) for m in members) + joining_seconds, 1),
        "peak_memory_mib": max(m.get("peak_memory_mib", 0) for m in members),
        "parameters": int(siamese.count_params()),
        "trained_at": max(m.get("trained_at", "") for m in members),
    }
    return save_siamese(siamese, record, config)


_GALLERY_PEOPLE, _GALLERY_PHOTOS = 100, 3


def open_set_line(siamese, split: Split, config: Config, floor: float = 0.0) -> dict:
    """Identify's line: the lowest P(same) at which at most 1% of strangers are named among a
    gallery of 100 people, and no lower than ``floor`` (the model's "same" line: a name is never given
    where the pair alone would be "not sure"), and how often the right person is named then.

    The gallery: 100 training people with 4+ photos (seeded), 3 photos each enrolled, their other
    photos the genuine probes; strangers: one photo of each other training person. A probe scores
    its best P(same) against every enrolled photo, as ``Gallery.identify`` does. (For the scratch
    model, whose tower learnt these people, the figures flatter it; the pretrained tower never saw them.)
    """
    photos: dict[int, list[str]] = {}
    for chip, label in zip(split.train_chips, split.train_labels):
        photos.setdefault(int(label), []).append(chip)
    rng = np.random.default_rng(config.seed)
    candidates = sorted(p for p, chips in photos.items() if len(chips) > _GALLERY_PHOTOS)
    gallery = [candidates[i] for i in rng.permutation(len(candidates))[:_GALLERY_PEOPLE]]
    strangers = [photos[p][0] for p in sorted(set(photos) - set(gallery))]
    genuine = [(p, chip) for p in gallery for chip in photos[p][_GALLERY_PHOTOS:]]
    enrolled = [(p, chip) for p in gallery for chip in photos[p][:_GALLERY_PHOTOS]]
    vectors = embed_chip_files(siamese.get_layer("chip_embedding"),
                               [c for _, c in enrolled + genuine] + strangers, config)
    matrix, owners = np.stack([vectors[c] for _, c in enrolled]), np.array([p for p, _ in enrolled])
    probability = _head_of(siamese)

    def best(chip: str) -> tuple[int, float]:
        probabilities = probability(distance_features(siamese, matrix, vectors[chip]))
        return int(owners[np.argmax(probabilities)]), float(probabilities.max())

    stranger_best = np.array([best(c)[1] for c in strangers])
    line = max(float(np.nextafter(np.quantile(stranger_best, 1 - config.max_strangers_named, method="higher"), 1.0)), floor)
    named = [(who == person and score >= line) for person, (who, score) in ((p, best(c)) for p, c in genuine)]
    return {
        "identify_from": line,
        "identify_rule": f"lowest P(same) naming <= {config.max_strangers_named:.0%} of {len(strangers)} strangers among a gallery of "
        f"{len(gallery)} training people ({_GALLERY_PHOTOS} photos each), and not below the 'same' line ({floor:.3f}); "
        "the right person is then named for "
        f"{np.mean(named):.1%} of {len(genuine)} probes",
        "strangers_named": float(np.mean(stranger_best >= line)),
        "right_person_named": float(np.mean(named)),
    }
