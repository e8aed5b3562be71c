"""``facekit data``: import LFW, build the pairs table, show statistics, cut the face chips."""

from __future__ import annotations

import json
from pathlib import Path

from facekit.cli.common import Parents, config_of
from facekit.config import DLIB_CHIPS, Config
# Each handler imports what it needs (pandas, the data modules): `facekit verify` starts without them.


def _import_lfw(args) -> int:
    from facekit.data.lfw import import_lfw

    report = import_lfw(args.source, config_of(args), args.min_images)
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
    from facekit.data.pairs import make_pairs, save_pairs

    config = config_of(args)
    table = make_pairs(config, args.seed)
    path = save_pairs(table, config)
    counts = table.label.value_counts()
    print(f"{len(table)} pairs ({counts.get(1, 0)} same person, {counts.get(0, 0)} different) -> {path}")
    return 0


def _stats(args) -> int:
    from facekit.data.stats import dataset_stats

    stats = dataset_stats(config_of(args))
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
    from facekit.data.folders import training_photos
    from facekit.faces.chips import chip_photos

    config = config_of(args)
    photos = training_photos(config) + sorted(config.lfw_dir.glob("*/*.jpg"))
    for framing in (config, config.with_(**DLIB_CHIPS)):  # each face is detected once, then cut both ways
        results = chip_photos(photos, framing, args.workers, progress=True)
        missing = sum(r.chip_path is None for r in results.values())
        print(f"{len(results) - missing} of {len(results)} photos have a face chip in {framing.chips_dir}; "
              f"{missing} have no usable face.")
    return 0


def add_commands(commands, p: Parents) -> None:
    """The ``data`` group."""
    data = commands.add_parser("data", help="import LFW, build the pairs table, show statistics").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    cmd = data.add_parser(
        "import-lfw", parents=[p.common], help="import Labeled Faces in the Wild",
        description="Import LFW: keep an untouched copy in DATA_DIR/lfw, its protocol files in DATA_DIR/lfw_protocol, "
        "and put the photos of training people (never View 1's test people) in anchor/, positive/ and negative/. "
        "Running it again adds nothing twice.",
    )
    cmd.add_argument("source", nargs="?", type=Path,
                     help="lfw.tgz or an extracted lfw/ folder, with pairs*.txt and people*.txt beside it; "
                          "omitted: download everything from the LFW mirrors")
    cmd.add_argument("--min-images", type=int, default=None,
                     help=f"people with at least this many photos go to anchor/ and positive/ (default: {Config.anchor_min_images})")
    cmd.set_defaults(run=_import_lfw)

    cmd = data.add_parser(
        "pairs", parents=[p.common], help="build pairs.csv from the three folders",
        description="Write DATA_DIR/pairs.csv: every anchor x positive photo of the same person (label 1) and as many "
        "random anchor x negative pairs of different people (label 0). Paths only, no pixels.",
    )
    cmd.add_argument("--seed", type=int, default=None, help=f"random seed for the negative pairs (default: {Config.seed})")
    cmd.set_defaults(run=_pairs)

    cmd = data.add_parser("stats", parents=[p.common], help="photos per folder and person, image sizes, pairs balance")
    cmd.add_argument("--json", action="store_true", help="print JSON instead of a table")
    cmd.set_defaults(run=_stats)

    cmd = data.add_parser(
        "chips", parents=[p.common, p.with_workers], help="detect and align every face once, into the chip cache",
        description="Detect, align and cache the face chip of every photo in the data folders and LFW. Later "
        "commands reuse the cache; it is keyed by file content and pipeline version.",
    )
    cmd.set_defaults(run=_chips)
