"""The ``facekit`` command line: data, train, export, evaluate, verify, app, serve, people, identify,
group, find, liveness.

A module per command group (``data``, ``train``, ``evaluate``, ``run``, ``people``, ``sort``, ``liveness``), each with its handlers and
an ``add_commands`` that adds its parsers; ``common`` holds what they share. Exit codes are in
:data:`EXIT_CODES` (the help texts are built from it).
"""

from __future__ import annotations

import argparse
import sys

from facekit.cli import data, evaluate, liveness, people, run, sort, train
from facekit.cli.common import EXIT_CODES, parents, quiet_tensorflow
from facekit.errors import FacekitError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="facekit", description="Face verification: data, training, evaluation.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    shared = parents()
    for group in (data, train, evaluate, run, people, sort, liveness):
        group.add_commands(commands, shared)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("train", "evaluate", "export"):
            quiet_tensorflow()  # these build or read Keras models; nothing that answers imports TensorFlow
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
