"""Several faces in a photo: is the right one named?

LFW's View 1 test people (peopleDevTest: no line was chosen on them) with two or more photos. Every
face of each of their photos is found (`photo_faces`) and embedded; a photo where two or more faces
are found is a group photo, its labelled person is the most prominent face (LFW centres the named
face), the others are bystanders. For each group photo, everyone is enrolled from their other photos
(their main faces; the group photo itself left out) and every face is searched as
`Gallery.identify_embedding` does: the best person's P(same), named from identify's line. Prints how
often the labelled person is named on the right face, named on no face or the wrong one, and how
often a bystander is given the labelled person's name (or anyone's). Run from the project root after
`facekit data import-lfw` (or `--lfw-dir`); ~3 min.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facekit import Config, FacekitError, load_verifier  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lfw-dir", type=Path, default=Config().data_dir / "lfw")
    parser.add_argument("--people", type=Path, help="the people file (default: peopleDevTest.txt beside the photos folder)")
    args = parser.parse_args()
    verifier = load_verifier()
    rows = [line.split() for line in (args.people or args.lfw_dir.parent / "peopleDevTest.txt").read_text().splitlines()[1:]]
    photos = [(name, args.lfw_dir / name / f"{name}_{i:04d}.jpg") for name, count in rows if int(count) >= 2
              for i in range(1, int(count) + 1)]
    start, people, mains, groups = time.perf_counter(), [], [], []
    for index, (name, path) in enumerate(photos):
        try:
            faces = verifier.faces_of(path, "probe")
        except FacekitError:
            continue
        embeddings = verifier.embeddings(faces.chips)
        people.append(name)
        mains.append(embeddings[faces.main - 1])
        if len(faces.faces) >= 2:
            groups.append((len(people) - 1, faces.main - 1, embeddings))
        if index % 200 == 0:
            print(f"  {index}/{len(photos)} photos", file=sys.stderr)
    people, mains = np.array(people), np.stack(mains)
    line = verifier.thresholds.identify_from
    named_right = named_nobody = named_wrong = bystanders = bystanders_named_them = bystanders_named = 0
    for photo, main, embeddings in groups:
        enrolled = np.arange(len(people)) != photo
        for number, embedding in enumerate(embeddings):
            probabilities = verifier.probabilities_against(embedding, mains[enrolled])
            best = int(np.argmax(probabilities))
            who = people[enrolled][best] if probabilities[best] >= line else None
            if number == main:
                named_right += who == people[photo]
                named_nobody += who is None
                named_wrong += who is not None and who != people[photo]
            else:
                bystanders += 1
                bystanders_named += who is not None
                bystanders_named_them += who == people[photo]
    n = len(groups)
    print(f"{len(photos)} photos of {len(set(people))} test people; {n} with two or more faces "
          f"({bystanders} bystanders); {time.perf_counter() - start:.0f} s")
    print(f"labelled person named on the right face: {named_right / n:.1%} ({named_right} of {n}); "
          f"nobody named there: {named_nobody}; someone else: {named_wrong}")
    print(f"bystanders given the labelled person's name: {bystanders_named_them / max(bystanders, 1):.1%} "
          f"({bystanders_named_them} of {bystanders}); given anyone's: {bystanders_named}")


if __name__ == "__main__":
    main()
