"""``facekit group`` and ``facekit find``: a pile of photos sorted by person, or searched for one.

Both read files and folders (recursively), print their progress on stderr, and list the files they
could not use instead of stopping at them. People already enrolled in the gallery (the one the app
and the API use) are named in their group, and ``find`` takes an enrolled name as well as a photo.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path


from facekit.cli.common import Parents, config_of


def _progress(done: int, total: int) -> None:
    if done == total or done % 50 == 0:
        print(f"  {done}/{total} files read", file=sys.stderr, flush=True)


def _pile(args):
    from facekit.gallery.people import Gallery  # the model loads only for what needs it
    from facekit.sorting.pile import read_pile

    gallery = Gallery(config_of(args))
    return gallery, read_pile(args.paths, gallery.verifier, _progress, thumbnails=False)


def _group(args) -> int:
    from facekit.sorting.groups import group_pile, groups_as_dict, name_groups

    gallery, pile = _pile(args)
    groups = name_groups(group_pile(pile, gallery.verifier), pile.embeddings, [(gallery, None)])
    if args.copy_to:
        _copy(groups, pile, args.copy_to)
    if args.json:
        print(json.dumps(groups_as_dict(groups, pile), ensure_ascii=False))
    else:
        for group in groups:
            named = f" ({group.person})" if group.person else ""
            print(f"Group {group.number}{named}: {len(group.faces)} face{'s' * (len(group.faces) != 1)}")
            for i in group.faces:
                print(f"  {pile.faces[i].photo} {list(pile.faces[i].box)}")
        _left_out(pile)
    return 0


def _copy(groups, pile, folder: Path) -> None:
    """One folder per group (``001``, ``002 Barack Obama``...), a copy of each of its photos inside."""
    from facekit.names import file_name_part

    for group in groups:
        target = folder / (f"{group.number:03d}" + (f" {file_name_part(group.person)}" if group.person else ""))
        target.mkdir(parents=True, exist_ok=True)
        for photo in dict.fromkeys(pile.faces[i].photo for i in group.faces):  # a photo once, however many faces
            copy, n = target / photo.name, 1
            while copy.exists():  # two photos of one name from different folders
                n += 1
                copy = target / f"{photo.stem}_{n}{photo.suffix}"
            shutil.copy2(photo, copy)
    print(f"{len(groups)} folders written in {folder}", file=sys.stderr)


def _left_out(pile) -> None:
    for title, paths in (("No face found in", pile.no_face), ("Not an image we can read", pile.unreadable)):
        if paths:
            print(f"{title}: " + ", ".join(str(p) for p in paths))


def _find(args) -> int:
    from facekit.gallery.people import EVERYONE
    from facekit.sorting.find import enrolled_references, find_person

    from facekit.gallery.people import Gallery
    from facekit.sorting.pile import read_pile

    gallery = Gallery(config_of(args))
    person = Path(args.person)
    if person.is_file():
        references = gallery.verifier.embed_photo(person, "person")[1][None]
    else:  # an enrolled name (anyone's, as the command line is the gallery's owner), checked before any photo is read
        references = enrolled_references(gallery, args.person, owner=EVERYONE)
    pile = read_pile(args.paths, gallery.verifier, _progress, thumbnails=False)
    sightings = find_person(references, pile, gallery.verifier)
    if args.json:
        print(json.dumps({"found": [{"photo": str(pile.faces[s.face].photo), "box": list(pile.faces[s.face].box),
                                     "probability": round(s.probability, 4), "sure": s.decision == "same"}
                                    for s in sightings],
                          "no_face": [str(p) for p in pile.no_face], "unreadable": [str(p) for p in pile.unreadable]},
                         ensure_ascii=False))
    else:
        if not sightings:
            print(f"{args.person} is in none of these photos.")
        for s in sightings:
            face = pile.faces[s.face]
            print(f"{face.photo} {list(face.box)}: {'sure' if s.decision == 'same' else 'not sure'} ({s.probability:.0%})")
        _left_out(pile)
    return 0


def add_commands(commands, p: Parents) -> None:
    """``group`` and ``find``."""
    cmd = commands.add_parser(
        "group", parents=[p.common, p.with_model], help="sort photos by person: every face, grouped",
        description="Every face of every photo (files and folders, recursively), grouped by person with the model's "
        "own P(same): no number of people is given, and a face the model is unsure of stays a group of its own. "
        "Enrolled people are named in their group. Files with no face or that are not images are listed. With "
        "--json: {\"groups\": [{\"person\", \"faces\": [{\"photo\", \"box\": [x, y, w, h]}]}], \"no_face\": [...], "
        "\"unreadable\": [...]}, largest group first (boxes in the photo's own pixels).",
    )
    cmd.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="photos, or folders of photos")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd.add_argument("--copy-to", type=Path, metavar="DIR", help="copy each group's photos into a folder of its own in DIR")
    cmd.set_defaults(run=_group)
    cmd = commands.add_parser(
        "find", parents=[p.common, p.with_model], help="the photos where a person appears",
        description="The photos (files and folders, recursively) where the person of PHOTO_OR_NAME appears (a photo "
        "of them, or a name enrolled in the gallery), the face boxed: sure ones first, then 'not sure' ones. With "
        "--json: {\"found\": [{\"photo\", \"box\", \"probability\", \"sure\"}], \"no_face\": [...], \"unreadable\": [...]}.",
    )
    cmd.add_argument("person", metavar="PHOTO_OR_NAME")
    cmd.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd.set_defaults(run=_find)
