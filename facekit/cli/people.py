"""``facekit people`` and ``facekit identify``: the gallery the app and the API use, from a terminal.

The gallery is ``DATA_DIR/gallery.sqlite3`` (or ``$FACEKIT_GALLERY_URL``), the one ``facekit serve``
and the app's presenter use: a person enrolled here is named there, and the other way round.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from facekit.cli.common import EXIT_CODES, Parents, config_of
from facekit.errors import FacekitError

_WORDS = {"known": "sure", "not sure": "not sure", "unknown": "someone I don't know"}


def _gallery(args):
    from facekit.gallery.people import Gallery  # the model loads only for what needs it

    return Gallery(config_of(args))


def _add(args) -> int:
    gallery, failed = _gallery(args), 0
    config = gallery.config
    print(f"The gallery: {config.gallery_url.split('@')[-1] if config.gallery_url else config.gallery_path.resolve()}",
          file=sys.stderr)  # where it is written, once: the app and the API read the same
    for photo in args.photos:
        try:
            enrolled = gallery.enrol(args.name, photo)
        except FacekitError as error:
            failed += 1
            print(f"{photo}: not added: {error.about(None)}", file=sys.stderr)
        else:
            problems = f" (weak: {', '.join(enrolled.problems)})" if enrolled.problems else ""
            print(f"{photo}: added to {enrolled.person} as {enrolled.id}{problems}")
    return EXIT_CODES["error"] if failed else 0


def _list(args) -> int:
    people = _gallery(args).people()
    if args.json:
        print(json.dumps({"people": [{"name": p.name, "photos": p.photos} for p in people]}, ensure_ascii=False))
    elif not people:
        print("Nobody is enrolled yet: `facekit people add NAME PHOTO...`.")
    for person in [] if args.json else people:
        print(f"{person.name}: {person.photos} photo{'s' * (person.photos != 1)}")
    return 0


def _remove(args) -> int:
    deleted = _gallery(args).forget(args.name)
    print(f"{args.name}: forgotten ({deleted} photo{'s' * (deleted != 1)} and everything made from them deleted)")
    return 0


def _embed(args) -> int:
    from tqdm import tqdm

    gallery = _gallery(args)

    def advance(finished: int, total: int) -> None:
        bar.total = total
        bar.update(finished - bar.n)

    with tqdm(desc=f"Embedding with the {gallery.verifier.config.model} model", unit="photo", file=sys.stderr) as bar:
        done = gallery.embed_for_this_model(advance)
    print(f"{done} photo{'s' * (done != 1)} embedded by the {gallery.verifier.config.model} model "
          f"(version {gallery.verifier.version}); the others had its embedding already")
    return 0


def _identify(args) -> int:
    gallery, failed = _gallery(args), 0
    for photo in args.photos:
        try:
            found = gallery.identify_faces(photo)
        except FacekitError as error:
            failed += 1
            said = str(error.about(None))
            print(json.dumps({"photo": str(photo), "error": said}, ensure_ascii=False) if args.json else f"{photo}: {said}",
                  file=sys.stdout if args.json else sys.stderr)
            continue
        if args.json:
            print(json.dumps({"photo": str(photo), "photo_size": [found.photo.shape[1], found.photo.shape[0]],
                              "faces": [answer.as_dict() for answer in found.faces]}, ensure_ascii=False))
            continue
        for answer in found.faces:
            who = answer.person or ("closest: " + answer.matches[0].name if answer.verdict == "not sure" else "")
            print(f"{photo}: face {answer.number} of {len(found.faces)} at {list(answer.face.box)}: "
                  f"{who + ' · ' if who else ''}{_WORDS[answer.verdict]} ({answer.probability:.0%})")
    return EXIT_CODES["error"] if failed else 0


def add_commands(commands, p: Parents) -> None:
    """``people add|list|remove|embed`` and ``identify``."""
    people = commands.add_parser(
        "people", help="enrol, list and forget people (the gallery the app and the API use)",
        description="The gallery of enrolled people: DATA_DIR/gallery.sqlite3, or $FACEKIT_GALLERY_URL (postgresql://...).",
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    cmd = people.add_parser("add", parents=[p.common, p.with_model], help="enrol photos of a person",
                            description="Enrol each photo's main face as NAME (a new name is enrolled on its first photo). "
                            "A photo that cannot be used is reported and the others are still added (exit code 2).")
    cmd.add_argument("name", help="the person's name (any script, at most 60 characters)")
    cmd.add_argument("photos", nargs="+", type=Path, metavar="PHOTO")
    cmd.set_defaults(run=_add)
    cmd = people.add_parser("list", parents=[p.common], help="everyone enrolled, with how many photos")
    cmd.add_argument("--json", action="store_true", help="print JSON")
    cmd.set_defaults(run=_list)
    cmd = people.add_parser("remove", parents=[p.common], help="forget a person: every photo, face and embedding")
    cmd.add_argument("name")
    cmd.set_defaults(run=_remove)
    cmd = people.add_parser("embed", parents=[p.common, p.with_model], help="embed every enrolled photo with a model ahead of use",
                            description="Embed every enrolled photo that the model (default: the default model) has no "
                            "embedding of yet, from its stored face, with a progress bar. A gallery enrolled under another "
                            "model is otherwise embedded by the first search that needs it; run this before a new model "
                            "serves, so nobody waits. Embeddings name the model that made them and are never mixed.")
    cmd.set_defaults(run=_embed)

    cmd = commands.add_parser(
        "identify", parents=[p.common, p.with_model], help="name every face of photos among the enrolled",
        description="Every face of each photo, left to right, searched among the enrolled people: a name (sure), "
        "'not sure' or 'someone I don't know'. With --json, one line per photo: {\"photo\": PATH, \"photo_size\": "
        "[W, H], \"faces\": [{\"number\", \"box\": [x, y, w, h], \"person\", \"verdict\": \"known\" | \"not sure\" | "
        "\"unknown\", \"probability\", \"matches\", \"problems\"}]} (boxes in a photo of photo_size: the photo shrunk "
        "to at most 1024 px). Exit code 0, or 2 when a photo could not be read or had no face (the others are answered).",
    )
    cmd.add_argument("photos", nargs="+", type=Path, metavar="PHOTO")
    cmd.add_argument("--json", action="store_true", help="print one JSON object per photo, a line each")
    cmd.set_defaults(run=_identify)
