"""``facekit verify``, ``facekit app`` and ``facekit serve``: answers for a person, the app, the API."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from pathlib import Path

from facekit.cli.common import EXIT_CODES, Parents, config_of, probability
from facekit.config import PROJECT_ROOT, Config
from facekit.decision.rule import ANSWERS
from facekit.litert import cores

_EXIT_WORDS = {"same": "same person", "different": "different people",
               "error": "error (an unreadable photo, no face, no model)", "unsure": "not sure"}


def _verify(args) -> int:
    from facekit.model.verifier import verify  # imports TensorFlow: only for this command

    verdict = verify(args.photo_a, args.photo_b, config_of(args), args.threshold)
    lines = verdict.thresholds
    if args.json:
        print(json.dumps({"decision": verdict.decision, "same": verdict.same, "probability": verdict.probability,
                          "same_from": lines.same_from, "different_below": lines.different_below,
                          "boxes": [list(face.box) for face in verdict.faces]}))
    else:
        answer = ANSWERS[verdict.decision]
        print(f"{answer}: P(same) = {verdict.probability:.3f} ('same' from {lines.same_from:.3f}, "
              f"'different' below {lines.different_below:.3f})")
    return EXIT_CODES[verdict.decision]


def _app(args) -> int:
    from facekit.service.lan import CERTIFICATE_ADVICE, https_certificate, lan_address

    address = lan_address()
    command = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--browser.gatherUsageStats",
               "false", "--server.port", str(args.port)]
    if args.https:
        cert, key = https_certificate(config_of(args).data_dir / "https", ["localhost", "127.0.0.1", address])
        command += ["--server.sslCertFile", str(cert), "--server.sslKeyFile", str(key), "--server.address", args.host]
        print(f"\n  On a phone on the same network, open  https://{address}:{args.port}\n  {CERTIFICATE_ADVICE}\n", flush=True)
    if args.data_dir:
        os.environ["FACEKIT_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.execv(sys.executable, command)  # the app runs in place of this command; never returns


def _serve(args) -> int:
    # Worker processes make their own Config(): the folders reach them through the environment.
    for variable, value in (("FACEKIT_DATA_DIR", args.data_dir), ("FACEKIT_MODELS_DIR", args.models_dir)):
        if value:
            os.environ[variable] = str(Path(value).resolve())
    if args.siamese_model:
        os.environ["FACEKIT_MODEL"] = args.siamese_model
    with _shared_by_workers(args.workers):
        config = Config()
        from facekit.gallery.people import Gallery

        Gallery(config).close()  # a wrong or unreachable gallery database stops here, with its message
        host = args.host.strip("[]")
        if not (host == "localhost" or _is_loopback(host)) and not (config.api_keys or config.admin_keys):
            print(f"WARNING: serving on {args.host} with no API keys: anyone who can reach this address can verify, "
                  "enrol and delete people. Set FACEKIT_API_KEYS and FACEKIT_ADMIN_KEYS.", file=sys.stderr)
        print(f"facekit API on http://{args.host}:{args.port} (docs: /docs), gallery: "
              f"{config.gallery_url.split('@')[-1] if config.gallery_url else config.gallery_path}", file=sys.stderr, flush=True)
        from facekit.service.supervisor import serve  # several workers: watched, and stopped with this process

        serve(host, args.port, args.workers)
    return 0


@contextlib.contextmanager
def _shared_by_workers(workers: int):
    """What the workers share, through their environment, while they run: one folder for their
    metrics (a scrape through any of them counts them all; yours if $PROMETHEUS_MULTIPROC_DIR is
    set), and the cores (each worker's LiteRT threads, unless $FACEKIT_THREADS says)."""
    from facekit.service.supervisor import metrics_folder

    shared = {}
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        shared["PROMETHEUS_MULTIPROC_DIR"] = metrics_folder()
    if workers > 1 and "FACEKIT_THREADS" not in os.environ:
        shared["FACEKIT_THREADS"] = str(max(1, cores() // workers))
    os.environ.update(shared)
    try:
        yield
    finally:
        for variable in shared:
            os.environ.pop(variable)
        if "PROMETHEUS_MULTIPROC_DIR" in shared:
            shutil.rmtree(shared["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

def add_commands(commands, p: Parents) -> None:
    """``verify``, ``app`` and ``serve``."""
    cmd = commands.add_parser(
        "verify", parents=[p.with_model], help="are two photos the same person?",
        description="Compare the main face of two photos with a shipped Siamese model. Exit code: "
        + ", ".join(f"{code} {_EXIT_WORDS[what]}" for what, code in sorted(EXIT_CODES.items(), key=lambda kv: kv[1])) + ".",
    )
    cmd.add_argument("photo_a", type=Path)
    cmd.add_argument("photo_b", type=Path)
    cmd.add_argument("--threshold", type=probability, default=None,
                     help="one line at this P(same) (0-1) instead of the model's two: no 'not sure'")
    cmd.add_argument("--json", action="store_true", help="print JSON")
    cmd.set_defaults(run=_verify)

    cmd = commands.add_parser(
        "app", parents=[p.common], help="start the Streamlit app (with --https: for phones on the network)",
        description="Start the app. With --https it listens on every network address over HTTPS with a certificate "
        "it makes (DATA_DIR/https/, kept and reused), so phones in the room can use their camera, and prints the "
        "address to open.",
    )
    cmd.add_argument("--https", action="store_true", help="serve over HTTPS on the network")
    cmd.add_argument("--host", default="0.0.0.0", help="address to listen on with --https (default: %(default)s)")
    cmd.add_argument("--port", type=int, default=8501, help="port (default: %(default)s)")
    cmd.set_defaults(run=_app)

    cmd = commands.add_parser(
        "serve", parents=[p.common, p.with_model], help="the HTTP API (verify, enrol, identify)",
        description="Serve facekit's HTTP API with uvicorn: /v1/verify, /v1/people, /v1/identify, /healthz, /readyz, "
        "/metrics; docs at /docs. Keys: $FACEKIT_API_KEYS and $FACEKIT_ADMIN_KEYS (comma-separated). Gallery: "
        "$FACEKIT_GALLERY_URL (postgresql://...) or DATA_DIR/gallery.sqlite3.",
    )
    cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s, this computer only)")
    cmd.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    cmd.add_argument("--workers", type=int, default=1, help="processes, each with its own model (default: %(default)s)")
    cmd.set_defaults(run=_serve)
