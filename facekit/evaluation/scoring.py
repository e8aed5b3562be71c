"""Score the shipped models on labelled pairs: LFW's protocol pairs (with look-alike impostors
among the same unseen people), the people captured in the app, and the record that
``models/metrics.json`` keeps. Every Siamese score comes from the :class:`~facekit.Verifier`."""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from facekit.config import MODELS, PROJECT_ROOT, Config
from facekit.data.folders import identity_of, is_lfw_person, list_photos
from facekit.data.lfw import read_lfw_pairs
from facekit.data.pairs import LOOK_ALIKE_NEIGHBOURS, hard_impostor_pairs
from facekit.decision.metrics import binary_metrics, roc_points, tenfold_accuracy, three_way_metrics
from facekit.errors import DataError
from facekit.evaluation.baseline import baseline_scores, load_baseline, train_baseline
from facekit.faces.chips import chip_pairs, chip_photos, read_chip

_PHOTOS_PER_PERSON = 10  # enough to place a person in embedding space


SIAMESE_MODELS = tuple(MODELS)  # the Siamese models by name, the default first
ALL_MODELS = (*SIAMESE_MODELS, "baseline")


def score_lfw_pairs(pairs_file, lfw_dir, config: Config, models=ALL_MODELS, limit: int = 0,
                    workers: int = 1, progress: bool = False, hard_impostors: bool = True) -> dict:
    """Score LFW protocol pairs with the shipped models (names of ``MODELS`` and "baseline"), in
    one run on the same pairs.

    ``limit`` keeps the first ``limit // 2`` same and different pairs. Returns ``pairs_file``,
    ``n_pairs``, ``lfw_framing_photos`` (photos MTCNN missed, cut by LFW's framing), one metrics
    dict per model (see :func:`~facekit.decision.metrics.binary_metrics`, plus ``roc``; a Siamese's
    also ``three_way``, see :func:`~facekit.decision.metrics.three_way_metrics`, with look-alike
    impostors among the pairs' own people when ``hard_impostors``) and ``pairs``: per pair, both
    photo paths relative to ``lfw_dir``, the label and each model's score.
    """
    table = read_lfw_pairs(pairs_file, lfw_dir)
    if limit:
        table = table.groupby("label", group_keys=False).head(limit // 2).sort_index().reset_index(drop=True)
    result = {"pairs_file": Path(pairs_file).name, "n_pairs": len(table)}
    scores = {}
    for name in models:
        # Each model sees its own framing of the faces (the baseline and the scratch model share one).
        chip_config = _framing(config, name)
        chipped = chip_pairs(table, chip_config, base_dir=Path("/"), workers=workers, progress=progress, lfw_fallback=True)
        result["lfw_framing_photos"] = chipped.lfw_framing
        scores[name] = _score_model(chipped.table, config, name, result)
        if name in MODELS:
            hard = _lfw_hard_impostor_scores(table, lfw_dir, config.with_(model=name), workers, progress) if hard_impostors else None
            thresholds = _verifier(config.with_(model=name)).thresholds
            result[name]["three_way"] = three_way_metrics(
                table.label, scores[name], thresholds.different_below, thresholds.same_from, hard)
    lfw_dir = Path(lfw_dir).resolve()
    result["pairs"] = [
        {
            "a": Path(row.anchor_path).resolve().relative_to(lfw_dir).as_posix(),
            "b": Path(row.other_path).resolve().relative_to(lfw_dir).as_posix(),
            "label": int(row.label),
            **{name: round(float(scores[name][i]), 6) for name in models},
        }
        for i, row in enumerate(table.itertuples())
    ]
    return result


def _lfw_hard_impostor_scores(pairs: pd.DataFrame, lfw_dir, config: Config, workers: int, progress: bool) -> np.ndarray:
    """P(same) of look-alike couples among the people of ``pairs``: up to 10 LFW photos of each
    person place them in embedding space; each person's :data:`~facekit.data.pairs.LOOK_ALIKE_NEIGHBOURS`
    nearest other people give one random photo pair each (see
    :func:`~facekit.data.pairs.hard_impostor_pairs`)."""
    people = sorted({identity_of(p) for p in pd.concat([pairs.anchor_path, pairs.other_path])})
    photos = {person: sorted((Path(lfw_dir) / person).glob("*.jpg"))[:_PHOTOS_PER_PERSON] for person in people}
    verifier = _verifier(config)
    results = chip_photos([p for group in photos.values() for p in group], _framing(config, config.model), workers, progress)
    chips = {person: [str(results[p].chip_path) for p in group if results[p].chip_path] for person, group in photos.items()}
    embeddings = {person: verifier.embeddings(np.stack([read_chip(c) for c in paths])) for person, paths in chips.items() if paths}
    couples = hard_impostor_pairs(embeddings, LOOK_ALIKE_NEIGHBOURS, per_neighbour=1, seed=config.seed)
    return verifier.score_chip_files([chips[a][i] for a, i, _, _ in couples], [chips[b][j] for _, _, b, j in couples])


def evaluate_own_people(config: Config, max_pairs: int = 200, on_progress=None,
                        whose: Callable[[str], bool] | None = None) -> dict:
    """Both models on pairs of the people captured in the app (people in ``anchor/`` who are not
    LFW people; with ``whose``, only the identities it accepts, e.g. a visitor's own): their
    anchor x positive photos (same) and as many of their anchors x random ``negative/`` photos
    (different), at most ``max_pairs`` in all, seeded.

    ``on_progress(done, total)`` is called as photos are chipped. Returns ``n_pairs``,
    ``people`` (how many), ``dropped`` (pairs without a usable face) and per model (``ALL_MODELS``) the metrics of
    :func:`~facekit.decision.metrics.binary_metrics`. Raises :class:`~facekit.errors.DataError` when there
    is nothing to evaluate, saying what is missing.
    """
    rng = np.random.default_rng(config.seed)
    negatives = list_photos(config.data_dir / "negative")
    if not negatives:
        raise DataError("There are no strangers' photos to compare yours with",
                        "The public LFW photos are not imported here (`facekit data import-lfw`).")

    def own(folder: str) -> pd.DataFrame:
        photos = [(p, identity_of(p)) for p in list_photos(config.data_dir / folder)]
        return pd.DataFrame([(p, person) for p, person in photos
                             if not is_lfw_person(person, config) and (whose is None or whose(person))],
                            columns=["path", "person"])

    anchors, positives = own("anchor"), own("positive")
    same = anchors.merge(positives, on="person", suffixes=("_a", "_b"))  # every anchor x positive of one person
    if same.empty:
        raise DataError("Nothing of yours to evaluate yet", "Take reference and test photos of someone on the Capture page.")
    half = max(1, max_pairs // 2)
    same = same.iloc[rng.permutation(len(same))[:half]]
    strangers = [negatives[i] for i in rng.integers(len(negatives), size=len(same))]
    different = [anchors.path.iloc[i] for i in rng.integers(len(anchors), size=len(same))]
    rows = [*zip(same.path_a, same.path_b, [1] * len(same)), *zip(different, strangers, [0] * len(same))]
    table = pd.DataFrame([(a.relative_to(config.data_dir).as_posix(), b.relative_to(config.data_dir).as_posix(), label)
                          for a, b, label in rows], columns=["anchor_path", "other_path", "label"])
    result = {"people": int(anchors.person.nunique())}
    for name in ALL_MODELS:
        # Each model's own framing; every framing comes from the same detected face, so the same pairs remain.
        chip_config = _framing(config, name)
        chipped = chip_pairs(table, chip_config, on_progress=on_progress)
        if chipped.table.label.nunique() < 2:
            raise DataError("Too few of your photos have a usable face to evaluate", "Take a few more, facing the camera.")
        result.update(n_pairs=len(chipped.table), dropped=chipped.dropped)
        _score_model(chipped.table, config, name, result)
    return result


def _framing(config: Config, name: str) -> Config:
    """``config`` cutting faces the way model ``name`` takes them (the baseline: the default framing)."""
    return _verifier(config.with_(model=name)).framing(config) if name in MODELS else config


def _verifier(config: Config):
    from facekit.model.verifier import load_verifier  # imports TensorFlow: only when scoring

    return load_verifier(config)


def _score_model(pairs: pd.DataFrame, config: Config, name: str, result: dict) -> np.ndarray:
    """One model's scores of chipped pairs; its metrics (+ ROC) go into ``result[name]``."""
    if name in MODELS:
        verifier = _verifier(config.with_(model=name))
        scores = verifier.score_chip_files(list(pairs.chip_a), list(pairs.chip_b))
        threshold = verifier.thresholds.accuracy
    else:
        if not config.baseline_path.exists():
            raise DataError(f"No baseline model at {config.baseline_path}", "Run `facekit train baseline` first.")
        scores = baseline_scores(load_baseline(config.baseline_path), pairs.chip_a, pairs.chip_b, config)
        threshold = 0.0
    result[name] = {**binary_metrics(pairs.label, scores, threshold), "roc": roc_points(pairs.label, scores)}
    return scores


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return ""


def metrics_record(view1: dict, view2: dict | None, config: Config, open_set: dict | None = None) -> dict:
    """What ``models/metrics.json`` holds: View 1 figures of every model, View 2's 10-fold figures
    (when given), the figures among many strangers (``open_set``, by model, when given), the per-pair
    scores, and where they came from (each Siamese's data split, seed and
    training record, git commit and whether the working tree was clean, date)."""
    import json

    def training(name: str) -> dict:
        path = config.with_(model=name).siamese_info_path
        record = json.loads(path.read_text()) if path.exists() else {}
        return {k: record.get(k) for k in (
            "split", "seed", "training_seconds", "epochs_run", "best_epoch", "threshold", "thresholds", "calibration",
            "validation", "trained_at", "parameters", "peak_memory_mib", "tower", "chip", "mirror_averaged",
            "check_on_validation_people")}

    pairs = view1.pop("pairs")
    return {
        "view1": view1,
        "view2": view2,
        "open_set": open_set,
        "categories": {"sface": "labeled outside data (the network learnt from web photos its publisher does not "
                                "document, which may include LFW's well-known people)",
                       "pretrained": "labeled outside data (the network learnt from ~3 M photos of 7,485 people, none of LFW's)",
                       "scratch": "no outside data (trained on LFW's View 1 training people only)",
                       "baseline": "no outside data"},
        "protocol": "LFW View 1: the models never saw these people (peopleDevTest); thresholds were chosen "
        "before, on held-out training people (Siamese) or fixed at log-odds 0 (baseline). Look-alike impostors: "
        f"each test person's {LOOK_ALIKE_NEIGHBOURS} nearest other test people in the model's embedding space, one "
        "random photo pair each. LFW View 2: pairs.txt's 10 folds; for each fold the head and line (sface, pretrained) or "
        "the whole model (baseline) are fitted on the other nine folds; mean ± standard error of the 10 accuracies. "
        "Open set: every pair of the View 1 test people's photos, same-person pairs accepted at the line that accepts "
        "1 in 1,000 / 10,000 / 100,000 stranger pairs (read off those stranger pairs), overall and by LFW photo count.",
        "training": {name: training(name) for name in MODELS},
        "git_commit": _git("rev-parse", "HEAD") or "unknown",
        "git_clean": _git("status", "--porcelain", "--untracked-files=no") == "",
        "evaluated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "pairs": pairs,
    }


def score_lfw_view2(pairs_file, lfw_dir, config: Config, models=("sface", "pretrained", "baseline"), workers: int = 1,
                    progress: bool = False) -> dict:
    """LFW View 2 (``pairs.txt``: 10 folds of 300 same and 300 different pairs), the protocol that
    compares with published results: for each fold, what is learnt from pairs (an outside tower's
    sigmoid head and its line, the baseline itself) is fitted on the other nine folds only,
    and accuracy is measured on the fold. Returns per model :func:`~facekit.decision.metrics.tenfold_accuracy`'s
    figures, and ``n_pairs`` and ``lfw_framing_photos``.

    The scratch model is not here: its tower learnt from LFW's training people, who are in every
    fold, so ten honest figures need ten trainings without each fold's people (~55 min each).
    """
    table = read_lfw_pairs(pairs_file, lfw_dir)
    result = {"pairs_file": Path(pairs_file).name, "n_pairs": len(table)}
    for name in models:
        chip_config = _framing(config, name)
        chipped = chip_pairs(table, chip_config, base_dir=Path("/"), workers=workers, progress=progress, lfw_fallback=True)
        result["lfw_framing_photos"] = chipped.lfw_framing
        pairs = chipped.table
        fit_and_score = _siamese_fold(pairs, config.with_(model=name)) if name in MODELS else _baseline_fold(pairs, config)
        result[name] = tenfold_accuracy(pairs.label, pairs.fold, fit_and_score)
    return result


def _siamese_fold(pairs: pd.DataFrame, config: Config):
    """``(train rows, test rows) -> (scores of train rows, scores of test rows)``: a sigmoid head of
    the model's own shape (its distance of the two embeddings), fitted on the train rows (the
    model's shipped head never enters: it was fitted on LFW people who are in the folds)."""
    from sklearn.linear_model import LogisticRegression

    verifier = _verifier(config)
    unique = list(dict.fromkeys([*pairs.chip_a, *pairs.chip_b]))
    vectors = dict(zip(unique, verifier.embeddings(np.stack([read_chip(c) for c in unique]))))
    features = verifier.head_features(np.stack([vectors[a] for a in pairs.chip_a]), np.stack([vectors[b] for b in pairs.chip_b]))
    labels = pairs.label.to_numpy()

    def fit_and_score(train, test):
        head = LogisticRegression(C=1.0, max_iter=2000).fit(features[train], labels[train])
        return head.predict_proba(features[train])[:, 1], head.predict_proba(features[test])[:, 1]

    return fit_and_score


def _baseline_fold(pairs: pd.DataFrame, config: Config):
    """The same for the baseline: Gaussian Naive Bayes trained on the train rows' pixels."""
    def fit_and_score(train, test):
        model = train_baseline(pairs.chip_a[train], pairs.chip_b[train], pairs.label[train], config)
        return (baseline_scores(model, pairs.chip_a[train], pairs.chip_b[train], config),
                baseline_scores(model, pairs.chip_a[test], pairs.chip_b[test], config))

    return fit_and_score
