"""What every command shares: the parent parsers (folders, model, workers), argument types, the
configuration a command runs with, and the exit codes."""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from facekit.config import DEFAULT_MODEL, MODELS, Config
from facekit.files import stderr_silenced

EXIT_CODES = {"same": 0, "different": 1, "error": 2, "unsure": 3}


@dataclass(frozen=True)
class Parents:
    """argparse parent parsers: ``common`` (--data-dir), ``with_models`` (--models-dir),
    ``with_model`` (--models-dir, --model), ``with_workers`` (--workers)."""

    common: argparse.ArgumentParser
    with_models: argparse.ArgumentParser
    with_model: argparse.ArgumentParser
    with_workers: argparse.ArgumentParser


def quiet_tensorflow() -> None:
    """Import TensorFlow with its C++ start-up lines (oneDNN, CPU features: six lines) kept off
    stderr: a person reads the command's answer, not TensorFlow's log. An import that fails still
    raises, once stderr is back."""
    if "tensorflow" in sys.modules:
        return
    with stderr_silenced():
        import tensorflow  # noqa: F401


def parents() -> Parents:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", default=None,
        help="folder with anchor/, positive/, negative/, lfw/, pairs.csv and the gallery (default: $FACEKIT_DATA_DIR, "
        "else the checkout's data/, else ~/.local/share/facekit; the same from any working directory)",
    )
    with_models = argparse.ArgumentParser(add_help=False)
    with_models.add_argument("--models-dir", help="folder of trained models (default: $FACEKIT_MODELS_DIR or the project's models/)")
    with_model = argparse.ArgumentParser(add_help=False, parents=[with_models])
    with_model.add_argument("--model", dest="siamese_model", choices=MODELS, default=None,
                            help=f"which Siamese model answers: sface (SFace's tower, trained elsewhere on web photos), pretrained "
                            f"(dlib's tower, trained elsewhere on ~3 M faces, none of LFW's people) or scratch (trained here "
                            f"on LFW alone) (default: $FACEKIT_MODEL or {DEFAULT_MODEL})")
    with_workers = argparse.ArgumentParser(add_help=False)
    with_workers.add_argument("--workers", type=int, default=_workers(), help="processes for face detection (default: %(default)s)")
    return Parents(common, with_models, with_model, with_workers)


def _workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def config_of(args) -> Config:
    """``Config()`` (which reads $FACEKIT_DATA_DIR and $FACEKIT_MODELS_DIR), with the folders given
    on the command line instead where there are."""
    changes = {}
    if getattr(args, "data_dir", None):
        changes["data_dir"] = Path(args.data_dir)
    if getattr(args, "models_dir", None):
        changes["models_dir"] = Path(args.models_dir)
    if getattr(args, "siamese_model", None):
        changes["model"] = args.siamese_model
    return Config().with_(**changes)


def probability(text: str) -> float:
    """An argparse type: a number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a probability between 0 and 1")
    return value


def share_of_chip(text: str) -> float:
    """An argparse type: a share of the face chip's side, above 0.3 (less shows no whole face) and at most 1."""
    value = probability(text)
    if value <= 0.3:
        raise argparse.ArgumentTypeError(f"{text} is too small a share of the face chip (more than 0.3, at most 1)")
    return value


def print_lines(record: dict) -> None:
    lines, three_way = record["thresholds"], record["validation"]["three_way"]
    print(f"Answers: 'same' from P = {lines['same_from']:.3f}, 'different' below {lines['different_below']:.3f}, "
          f"'not sure' between. On validation people: {three_way['coverage']:.0%} of pairs answered, "
          f"{three_way['confident_accuracy']:.1%} of those right; false 'same' on look-alikes "
          f"{three_way['false_same_hard']:.1%}, on random strangers {three_way['false_same_random']:.1%}.")
