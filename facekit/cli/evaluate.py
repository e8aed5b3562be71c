"""``facekit evaluate``: a model, or all of them, on LFW's protocol pairs (View 1 and View 2)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from typing import TYPE_CHECKING

from facekit.cli.common import Parents, config_of

if TYPE_CHECKING:
    from facekit.evaluation.figures import Figures
# The handlers import evaluation (scikit-learn, pandas) themselves: `facekit verify` starts without it.


def _evaluate_one(args) -> int:
    from facekit.evaluation.figures import figures_of
    from facekit.evaluation.scoring import score_lfw_pairs

    result = score_lfw_pairs(args.lfw_pairs, args.lfw_dir, config_of(args), (args.model,), args.limit, args.workers,
                             progress=not args.json)
    if args.json:
        figures = {**result[args.model], "lfw_framing_photos": result["lfw_framing_photos"], "pairs_file": result["pairs_file"]}
        print(json.dumps({k: v for k, v in figures.items() if k != "roc"}, indent=2))
    else:
        _print_figures(figures_of({"view1": result}))
    return 0


def _evaluate_all(args) -> int:
    from facekit.evaluation.figures import figures_of
    from facekit.evaluation.open_set import score_open_set
    from facekit.evaluation.scoring import ALL_MODELS, SIAMESE_MODELS, metrics_record, score_lfw_pairs, score_lfw_view2
    from facekit.model.verifier import load_verifier

    config = config_of(args)
    protocol_dir = Path(args.protocol_dir or config.protocol_dir)
    result = score_lfw_pairs(protocol_dir / "pairsDevTest.txt", args.lfw_dir, config, ALL_MODELS, args.limit,
                             args.workers, progress=not args.json)
    view2 = None if args.limit else score_lfw_view2(protocol_dir / "pairs.txt", args.lfw_dir, config,
                                                    workers=args.workers, progress=not args.json)
    open_set = None if args.limit else {
        model: score_open_set(load_verifier(config.with_(model=model)), args.lfw_dir, protocol_dir, config, args.workers,
                              progress=not args.json)
        for model in SIAMESE_MODELS}
    record = metrics_record(result, view2, config, open_set)
    output = args.output or (None if args.limit else config.metrics_path)
    if output:
        Path(output).write_text(json.dumps(record, indent=1) + "\n")
    if args.json:
        print(json.dumps({k: record[k] for k in ("view1", "view2")}, indent=2))
    else:
        figures = figures_of(record)
        _print_figures(figures)
        for model, tenfold in figures.view2.items():
            print(f"LFW View 2 (pairs.txt, 10 folds), {model}: {tenfold.mean:.4f} ± {tenfold.standard_error:.4f}")
        for model, among in (open_set or {}).items():
            print(f"Among strangers, {model}: same pairs accepted at 1 in 1,000 / 10,000 / 100,000 stranger pairs: "
                  + " / ".join(f"{x:.3f}" for x in among["same_accepted"]) + "; "
                  + "; ".join(f"people with {band}: " + " / ".join(f"{x:.3f}" for x in band_figures["same_accepted"])
                              for band, band_figures in among["by_fame"].items()))
        if output:
            print(f"Written to {output}.")
    return 0


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _print_figures(figures: Figures) -> None:
    print(f"LFW {figures.pairs_file}: {figures.n_pairs} pairs of people the models never saw.")
    print(f"{'':12s}" + "".join(f"{name:>12s}" for name in figures.view1))
    for key in ("accuracy", "precision", "recall", "f1", "auc", "threshold"):
        print(f"{key:12s}" + "".join(f"{getattr(model, key):12.3f}" for model in figures.view1.values()))
    if figures.lfw_framing_photos:
        print(f"({figures.lfw_framing_photos} photos had no detected face and were cut by LFW's fixed framing.)")
    for name, model in figures.view1.items():
        if three_way := model.three_way:
            print(f"{name} with 'not sure' (same from {three_way.same_from:.3f}, different below "
                  f"{three_way.different_below:.3f}): {three_way.coverage:.1%} of pairs answered, "
                  f"{three_way.confident_accuracy:.1%} of those right; false 'same' on random strangers "
                  f"{three_way.false_same_random:.1%}, on look-alikes {_share(three_way.false_same_hard)} "
                  f"({three_way.n_hard_impostors} pairs); false 'different' {three_way.false_different:.1%}.")


def add_commands(commands, p: Parents) -> None:
    """The ``evaluate`` group."""
    evaluate = commands.add_parser("evaluate", help="score a model on LFW's protocol pairs").add_subparsers(
        dest="model", required=True, metavar="MODEL"
    )
    lfw_args = argparse.ArgumentParser(add_help=False)
    lfw_args.add_argument("--lfw-dir", type=Path, required=True,
                          help="the LFW photos folder (<Name>/<Name>_NNNN.jpg), e.g. data/lfw")
    lfw_args.add_argument("--limit", type=int, default=0, help="score only the first N pairs, half same, half different")
    lfw_args.add_argument("--json", action="store_true", help="print JSON")
    for model, what in (("baseline", "the Gaussian Naive Bayes baseline"), ("sface", "the Siamese on SFace's tower"),
                        ("pretrained", "the Siamese on dlib's tower"),
                        ("scratch", "the Siamese trained here from scratch")):
        cmd = evaluate.add_parser(
            model, parents=[p.common, p.with_models, p.with_workers, lfw_args], help=f"evaluate {what}",
            description=f"Accuracy, precision, recall, F1 and ROC AUC of {what} on LFW protocol pairs "
            "(e.g. pairsDevTest.txt: people never seen in training).",
        )
        cmd.add_argument("--lfw-pairs", type=Path, required=True, help="an LFW pairs file, e.g. pairsDevTest.txt")
        cmd.set_defaults(run=_evaluate_one)
    cmd = evaluate.add_parser(
        "all", parents=[p.common, p.with_models, p.with_workers, lfw_args], help="every model on LFW View 1 and 2 -> metrics.json",
        description="Score the two Siamese models and the baseline on the same LFW View 1 test pairs "
        "(PROTOCOL_DIR/pairsDevTest.txt), the models on outside towers and the baseline on View 2 (pairs.txt, 10 folds, "
        "each fold's head and line fitted on the other nine), the Siamese models among every pair of the View 1 test "
        "people's photos (same pairs accepted at 1 in 1,000 / 10,000 / 100,000 strangers, also by fame), and write MODELS_DIR/metrics.json (figures, ROC points, "
        "per-pair scores, split, seed, git commit, date). With --limit: View 1 only, and nothing is written unless "
        "--output is given.",
    )
    cmd.add_argument("--protocol-dir", type=Path, default=None,
                     help="folder with pairsDevTest.txt (default: DATA_DIR/lfw_protocol)")
    cmd.add_argument("--output", type=Path, default=None, help="where to write the metrics JSON")
    cmd.set_defaults(run=_evaluate_all)
