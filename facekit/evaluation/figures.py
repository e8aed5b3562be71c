"""``models/metrics.json`` as typed figures: the one reader every page and the command line use.

The file is written by ``facekit evaluate all`` (:func:`facekit.evaluation.scoring.metrics_record`);
rates are shares in [0, 1], lines are P(same) in [0, 1].
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facekit.decision.rule import decide
from facekit.errors import DataError


@dataclass(frozen=True)
class ThreeWay:
    """A model's answers with "not sure" on the test pairs: ``coverage`` is the share answered,
    ``confident_accuracy`` the share of those that are right; ``false_same_hard`` (look-alike
    strangers called "same", of ``n_hard_impostors`` pairs) and ``false_same_random`` (random
    strangers) and ``false_different`` (same person called "different") are shares too.
    ``on_roc`` places each line on the ROC curve: ``{"same_from": {"fpr", "tpr"}, ...}``."""

    same_from: float
    different_below: float
    coverage: float
    confident_accuracy: float
    false_same_random: float
    false_different: float
    false_same_hard: float | None
    n_hard_impostors: int
    n_unsure: int
    on_roc: dict


@dataclass(frozen=True)
class ModelFigures:
    """One model on LFW View 1's test pairs, at its single best-accuracy ``threshold`` (chosen on
    training people): accuracy, precision, recall and F1 of "same", ROC ``auc``, ``confusion``
    ``[[true different, false same], [false different, true same]]``, ``roc`` points
    (``{"fpr": [...], "tpr": [...]}``) and, for a Siamese model, its ``three_way`` answers."""

    accuracy: float
    precision: float
    recall: float
    f1: float
    auc: float | None
    threshold: float
    n_pairs: int
    confusion: list
    roc: dict
    three_way: ThreeWay | None


@dataclass(frozen=True)
class TenFold:
    """LFW View 2 (``pairs.txt``, ten folds): mean accuracy, its standard error and each fold's."""

    mean: float
    standard_error: float
    per_fold: tuple[float, ...]


@dataclass(frozen=True)
class Figures:
    """Everything ``metrics.json`` holds: View 1 by model (``view1["pretrained"]``...), its pairs
    file and number of pairs, View 2 by model, each model's LFW result category and training record, every
    View 1 pair's scores (``pairs``: rows with ``label`` and a score per model), and where the
    figures came from."""

    view1: dict[str, ModelFigures]
    pairs_file: str
    n_pairs: int
    lfw_framing_photos: int
    view2: dict[str, TenFold]
    categories: dict[str, str]
    training: dict[str, dict]
    pairs: list[dict]
    git_commit: str
    git_clean: bool
    evaluated_at: str

    def wrong_answers(self, model: str) -> list[int]:
        """Indices into :attr:`pairs` of the View 1 pairs ``model`` answered wrong at its single
        threshold (the answers its accuracy counts)."""
        line = self.view1[model].threshold
        answers = decide([pair[model] for pair in self.pairs], line, line)
        truth = np.where(np.array([pair["label"] for pair in self.pairs]) == 1, "same", "different")
        return [int(i) for i in np.flatnonzero(answers != truth)]


def figures_of(record: dict) -> Figures:
    """Typed figures from a record as ``metrics_record`` makes it (or ``metrics.json`` holds it)."""
    view1, view2 = record["view1"], record.get("view2") or {}
    models = [name for name, value in view1.items() if isinstance(value, dict)]
    return Figures(
        view1={name: _model_figures(view1[name]) for name in models},
        pairs_file=str(view1.get("pairs_file", "")), n_pairs=int(view1["n_pairs"]), lfw_framing_photos=int(view1.get("lfw_framing_photos", 0)),
        view2={name: TenFold(v["mean"], v["standard_error"], tuple(v["per_fold"]))
               for name, v in view2.items() if isinstance(v, dict)},
        categories=dict(record.get("categories", {})), training=dict(record.get("training", {})),
        pairs=list(record.get("pairs", [])), git_commit=str(record.get("git_commit", "")),
        git_clean=bool(record.get("git_clean", False)), evaluated_at=str(record.get("evaluated_at", "")),
    )


def read_figures(path: Path) -> Figures:
    """Read ``metrics.json``. Raises :class:`~facekit.errors.DataError` when it is not a figures record."""
    try:
        return figures_of(json.loads(Path(path).read_text()))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"{path} is not a figures record of `facekit evaluate all` ({error})",
                        "Run `facekit evaluate all --lfw-dir data/lfw` again.") from None


def _model_figures(raw: dict) -> ModelFigures:
    three_way = raw.get("three_way")
    return ModelFigures(
        raw["accuracy"], raw["precision"], raw["recall"], raw["f1"], raw.get("auc"), raw["threshold"],
        int(raw["n_pairs"]), raw["confusion"], raw.get("roc", {}),
        ThreeWay(three_way["same_from"], three_way["different_below"], three_way["coverage"],
                 three_way["confident_accuracy"], three_way["false_same_random"], three_way["false_different"],
                 three_way.get("false_same_hard"), int(three_way.get("n_hard_impostors", 0)),
                 int(three_way["n_unsure"]), three_way.get("on_roc", {})) if three_way else None,
    )
