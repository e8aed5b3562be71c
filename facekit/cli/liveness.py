"""``facekit liveness``: did a live head turn in this video (or folder of frames)?"""

from __future__ import annotations

import json
from pathlib import Path

from facekit.cli.common import Parents, config_of


def _liveness(args) -> int:
    from facekit.liveness.check import DEPTH_NEEDED, check_liveness
    from facekit.liveness.video import read_frames

    answer = check_liveness(read_frames(args.path), config_of(args))
    if args.json:
        print(json.dumps({"live": answer.live, "reason": answer.reason}))
    else:
        print(f"{'Live person' if answer.live else 'Could not confirm a live person'}: {answer.reason} "
              f"(turned {answer.turn:.0f} degrees; depth {answer.depth:.3f}, live from {DEPTH_NEEDED:.3f})")
    return 0


def add_commands(commands, p: Parents) -> None:
    """``liveness``."""
    cmd = commands.add_parser(
        "liveness", parents=[p.common], help="is it a live person? a head turn in 3D on a video",
        description="Checks a video (or a folder of frames, in name order) for the 3D evidence of a head turn: a live "
        "head that turns 20 degrees or more changes its face mesh in a way no flat picture (a printed photo or a "
        "screen held up, moved, tilted or bent) can. There is no prompt to follow here: any turn counts. Exit 0 either "
        "way, 2 when the input cannot be read. One signal, not proof: a live deepfake or a 3D mask are not stopped.",
    )
    cmd.add_argument("path", type=Path, metavar="PATH", help="a video file, or a folder of frames")
    cmd.add_argument("--json", action="store_true", help='print {"live": true|false, "reason": "..."}')
    cmd.set_defaults(run=_liveness)
