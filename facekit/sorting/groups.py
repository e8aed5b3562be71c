"""Faces grouped by person with the model's own calibrated P(same), no number of people given.

Every pair of faces the model does not call "different" is weighed, up to :data:`_MOST_LINKS` pairs
(a pile of thousands of people has far fewer). Past that (thousands of faces of one person), faces
the model is all but certain are one person (a P(same) of at least 0.99 with a group's first face)
start as one group, weighing as many faces as they hold, each group's average face standing for
its faces; the line steps down towards the model's "same" line until the pairs fit: the work and
memory stay bounded (10,000 faces of one person in seconds, not 50 million pairs). An average face
is closer to others than its faces are (the average of a few faces is a plainer face), so this is
for the piles that need it only. Then three passes, the first two of
average linkage (two groups join when the mean P(same) over every pair of their faces is high
enough; a pair below the model's "different" line counts as 0):

1. while the best pair of groups averages at least the model's "same" line: every join is one the
   model would call "same person" on average, so a chain of look-alikes cannot pull two people
   together the way joining every confident pair would;
2. then groups of two faces or more join while they average at least :data:`_SECOND_PASS`: two
   groups of one person split by a change of light or age agree on average where no single pair
   is sure enough;
3. then a face still alone joins the group whose average face (the mean of its faces' unit
   embeddings, made unit again: a steadier picture of the person than any one photo) the model
   gives a P(same) of at least :data:`_THIRD_PASS`, the highest if several.

Two faces of one photo are never grouped, however alike: two people side by side (twins, a parent
and child) are two people. A face the model is unsure of against every group stays a group of its
own. The first line is the model's; the second and third were chosen on LFW's training people
(peopleDevTrain: 800 people with two or more photos, up to 40 photos each, and 300 alone), never on
the people the bench measures.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from facekit.errors import FacekitError
from facekit.gallery.enrolment import enrol_each
from facekit.gallery.people import EnrolledPhoto, Gallery
from facekit.model.verifier import Verifier
from facekit.names import person_name
from facekit.sorting.pile import Pile, PhotoName

# The second and third passes' lines belong to the model (its P(same) is its own): each model's
# record keeps them under "grouping", chosen on the training people by `bench/group.py --people train
# --write`. These are dlib's tower's (chosen by the best BCubed F1 whose precision stayed within 0.002
# of the first two passes': 0.9877 / 0.9338 on the training people), for a model whose record has none.
_SECOND_PASS = 0.8
_THIRD_PASS = 0.88
_ROWS_AT_ONCE = 1000  # faces alone scored against the groups' average faces at a time: bounded memory
# Far above any model's "same" line: two faces this alike are one person for every grouping pass,
# so they start as one group (on LFW's 530 photos of George W. Bush, half of the pairs reach 0.99).
# Lower lines, down to the model's "same" line, only for a pile that would have too many pairs.
_NEAR_CERTAIN = (0.99, 0.95, 0.9)
_MOST_LINKS = 500_000  # pairs of groups weighed at once: ~100 MB of Python objects


@dataclass(frozen=True)
class FaceGroup:
    """One person's faces: ``faces`` (indices into the pile's faces, in pile order), ``person``, the
    enrolled name most of them are given, or None, and ``number``, the group's own from 1: kept
    through joins and moves, so "Group 3" is one group for as long as the pile is on screen (a name
    typed under it goes to it, whatever changed around it)."""

    faces: tuple[int, ...]
    person: str | None = None
    number: int = 0


def grouping_lines(verifier: Verifier) -> tuple[float, float | None]:
    """The second and third passes' lines of ``verifier``'s model (its record's "grouping"; None: no third pass)."""
    chosen = verifier.info.get("grouping", {})
    return float(chosen.get("second_pass", _SECOND_PASS)), chosen.get("third_pass", _THIRD_PASS)


def group_pile(pile: Pile, verifier: Verifier) -> list[tuple[int, ...]]:
    """The faces of ``pile`` grouped by person (:func:`group_faces`), two faces of one photo never
    together: groups of indices into ``pile.faces``, largest first."""
    return group_faces(pile.embeddings, verifier, [face.photo for face in pile.faces])


def group_faces(embeddings: np.ndarray, verifier: Verifier, photos: Sequence[Hashable] | None = None,
                passes: tuple[float, float | None] | None = None) -> list[tuple[int, ...]]:
    """Group ``(n, d)`` embeddings by person (see the module's docstring): groups of row indices,
    largest first (then by their first face). ``photos[i]`` is the photo face i was found in (faces
    of one photo are never grouped; None: every face a photo of its own). ``passes`` are the lines
    of passes 2 and 3, P(same) in [0, 1] (the third None: no third pass); by default the model's own
    (:func:`grouping_lines`)."""
    second_pass, third_pass = passes or grouping_lines(verifier)
    lines = verifier.thresholds
    photos = list(range(len(embeddings))) if photos is None else list(photos)
    if not len(embeddings):
        return []
    for near_certain in (None, *_NEAR_CERTAIN, lines.same_from):  # None: every face on its own, the pairs exact
        groups = ([[face] for face in range(len(embeddings))] if near_certain is None
                  else _near_certain_groups(embeddings, verifier, photos, near_certain))
        if (links := _links(embeddings, groups, verifier, lines.different_below, _MOST_LINKS)) is not None:
            break
    else:  # faces all "not sure" of each other: only the pairs some pass could join on are weighed
        links = _links(embeddings, groups, verifier, min(lines.same_from, second_pass))
    groups = _average_linkage(groups, links, lines.same_from, photos, smallest=1)
    groups = _average_linkage(groups, links, second_pass, photos, smallest=2)
    if third_pass is not None:
        groups = _alone_join_groups(groups, embeddings, verifier, third_pass, photos)
    return sorted((tuple(sorted(g)) for g in groups), key=lambda g: (-len(g), g[0]))


def name_groups(groups: list[tuple[int, ...]], embeddings: np.ndarray,
                people: Sequence[tuple[Gallery, str | None]] = ()) -> list[FaceGroup]:
    """Each group with the enrolled person most of its faces are named as (``people`` are the
    ``(gallery, owner)`` pairs to search, in order: the first that names a majority wins; None when
    none does), numbered from 1 in the order given."""
    return [FaceGroup(group, next((name for gallery, owner in people
                                   if (name := _majority(gallery, owner, embeddings[list(group)]))), None), number)
            for number, group in enumerate(groups, 1)]


def _majority(gallery: Gallery, owner: str | None, embeddings: np.ndarray) -> str | None:
    votes = Counter(gallery.identify_embedding(e, top_k=1, owner=owner)[0] for e in embeddings)
    leader, count = max(votes.items(), key=lambda vote: (vote[0] is not None, vote[1]))
    return leader if leader is not None and count * 2 > len(embeddings) else None


def groups_as_dict(groups: list[FaceGroup], pile: Pile) -> dict:
    """The groups as plain values (the command line's and the API's JSON): ``{"groups": [{"number", "person",
    "faces": [{"photo", "box": [x, y, w, h]}]}], "no_face": [...], "unreadable": [...]}``."""
    return {
        "groups": [{"number": group.number, "person": group.person, "faces": [{"photo": str(pile.faces[i].photo), "box": list(pile.faces[i].box)}
                                                      for i in group.faces]} for group in groups],
        "no_face": [str(p) for p in pile.no_face], "unreadable": [str(p) for p in pile.unreadable],
    }


def group_numbered(groups: Sequence[FaceGroup], number: int) -> FaceGroup:
    """The group of ``groups`` whose number is ``number``; :class:`KeyError` when none is."""
    for group in groups:
        if group.number == number:
            return group
    raise KeyError(number)


def move_out(groups: list[FaceGroup], face: int) -> list[FaceGroup]:
    """``groups`` with ``face`` taken out of its group into a group of its own (a wrong face), the
    next unused number; in number order."""
    if any(g.faces == (face,) for g in groups):
        return list(groups)  # alone already
    kept = [replace(g, faces=tuple(f for f in g.faces if f != face)) for g in groups]
    return [g for g in kept if g.faces] + [FaceGroup((face,), number=max(g.number for g in groups) + 1)]


def merge(groups: list[FaceGroup], first: int, second: int) -> list[FaceGroup]:
    """``groups`` with the groups numbered ``first`` and ``second`` made one, named as the first is
    (else as the second), under the smaller of the two numbers; in number order."""
    a, b = group_numbered(groups, first), group_numbered(groups, second)
    joined = FaceGroup(tuple(sorted(a.faces + b.faces)), a.person or b.person, min(first, second))
    return sorted([g for g in groups if g.number not in (first, second)] + [joined], key=lambda g: g.number)


@dataclass(frozen=True)
class MaybeSame:
    """Two groups (``first`` and ``second``, their numbers, first < second) that may be one
    person: each the other's best match, or one the other's, by their average faces, with a P(same)
    the model does not call "different" (``probability`` in [0, 1])."""

    first: int
    second: int
    probability: float


def maybe_same(groups: list[FaceGroup], pile: Pile, verifier: Verifier, most: int = 5) -> list[MaybeSame]:
    """The ``most`` pairs of groups most likely to be one person that grouping kept apart, most
    likely first: each group's best other group by their average faces (mean unit embedding, made
    unit), none with faces of one photo, kept when P(same) reaches the model's "different" line.
    What a person is asked to settle ("the same person?"), where the model was not sure enough."""
    if len(groups) < 2:
        return []
    centres = _average_faces(pile.embeddings, [g.faces for g in groups])
    holding = _groups_holding([g.faces for g in groups], [face.photo for face in pile.faces])
    found: dict[tuple[int, int], float] = {}
    for start in range(0, len(groups), _ROWS_AT_ONCE):
        block = verifier.pairwise_probabilities(centres[start : start + _ROWS_AT_ONCE], centres)
        for first, scores in enumerate(block, start):
            scores[list(set().union(*(holding[pile.faces[face].photo] for face in groups[first].faces)))] = -1.0  # itself too
            if scores[second := int(scores.argmax())] >= verifier.thresholds.different_below:
                found[min(first, second), max(first, second)] = float(scores[second])
    ranked = sorted(found.items(), key=lambda pair: -pair[1])[:most]
    return [MaybeSame(*sorted((groups[first].number, groups[second].number)), probability)
            for (first, second), probability in ranked]


@dataclass(frozen=True)
class Enrolment:
    """What naming a group did: the ``group`` named, its ``enrolled`` photos, and ``refused``
    ``(photo, reason)`` pairs (a face too small for the gallery, the person's photo limit reached...)."""

    group: FaceGroup
    enrolled: tuple[EnrolledPhoto, ...]
    refused: tuple[tuple[PhotoName, str], ...]


def enrol_group(gallery: Gallery, name: str, group: FaceGroup, pile: Pile, owner: str | None = None) -> Enrolment:
    """Enrol every face of ``group`` as ``name`` (among ``owner``'s people), each from the photo
    it was found in; a face that cannot be enrolled is listed with the reason, the others are kept.
    Raises :class:`~facekit.errors.DataError` for a name that cannot be a person's (nothing enrolled)."""
    done = enrol_each(gallery, name, [(pile.faces[i].photo, pile.sources[pile.faces[i].photo], pile.faces[i].number)
                                      for i in group.faces], owner)
    return Enrolment(replace(group, person=person_name(name)),
                     tuple(result for _, result in done if not isinstance(result, FacekitError)),
                     tuple((photo, result.message) for photo, result in done if isinstance(result, FacekitError)))


def _alone_join_groups(groups: list[list[int]], embeddings: np.ndarray, verifier: Verifier,
                       line: float, photos: list[Hashable]) -> list[list[int]]:
    """Each face alone joins the group of two or more whose average face it matches best, when that
    P(same) reaches ``line`` (pass 3 of the module's docstring); never a group that holds a face
    of its own photo."""
    several = [g for g in groups if len(g) > 1]
    alone = [g[0] for g in groups if len(g) == 1]
    if not several or not alone:
        return groups
    centres = _average_faces(embeddings, several)
    joined = [list(g) for g in several]
    holding = _groups_holding(several, photos)
    left = []
    for start in range(0, len(alone), _ROWS_AT_ONCE):
        faces = alone[start : start + _ROWS_AT_ONCE]
        for face, scores in zip(faces, verifier.pairwise_probabilities(embeddings[faces], centres)):
            scores[list(holding[photos[face]])] = -1.0
            if scores[group := int(scores.argmax())] >= line:
                joined[group].append(face)
                holding[photos[face]].add(group)
            else:
                left.append([face])
    return joined + left


def _average_faces(embeddings: np.ndarray, groups: Sequence[Sequence[int]]) -> np.ndarray:
    """Each group's average face: the mean of its faces' unit embeddings, made unit again ``(g, d)``."""
    centres = np.stack([embeddings[list(group)].mean(axis=0) for group in groups])
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def _groups_holding(groups: Sequence[Sequence[int]], photos: Sequence[Hashable]) -> defaultdict[Hashable, set[int]]:
    """Photo -> the positions of the groups with a face of it (``photos[face]`` is face's photo)."""
    holding = defaultdict(set)
    for number, group in enumerate(groups):
        for face in group:
            holding[photos[face]].add(number)
    return holding


def _near_certain_groups(embeddings: np.ndarray, verifier: Verifier, photos: list[Hashable],
                         line: float) -> list[list[int]]:
    """The faces in pile order, each joining the group whose first face it matches best when that
    P(same) reaches ``line`` (never a group holding a face of its photo), else starting a group:
    ``n`` faces against ``g`` groups' first faces, a block at a time in numpy."""
    groups: list[list[int]] = []
    firsts = np.zeros((0, embeddings.shape[1]), np.float32)
    holding: defaultdict[Hashable, set[int]] = defaultdict(set)
    for start in range(0, len(embeddings), _ROWS_AT_ONCE):
        block = embeddings[start : start + _ROWS_AT_ONCE]
        before = len(groups)
        known = verifier.pairwise_probabilities(block, firsts) if before else np.zeros((len(block), 0), np.float32)
        among = verifier.pairwise_probabilities(block, block)  # against the groups this block starts
        started: list[int] = []  # rows of the block that started a group
        for row, face in enumerate(range(start, start + len(block))):
            scores = np.concatenate([known[row], among[row, started]])
            scores[list(holding[photos[face]])] = -1.0
            best = int(scores.argmax()) if len(scores) else -1
            if best >= 0 and scores[best] >= line:
                groups[best].append(face)
            else:
                best = len(groups)
                groups.append([face])
                started.append(row)
            holding[photos[face]].add(best)
        firsts = np.concatenate([firsts, block[started]])
    return groups


def _links(embeddings: np.ndarray, groups: list[list[int]], verifier: Verifier, floor: float,
           most: int | None = None) -> dict[tuple[int, int], float] | None:
    """Every pair of ``groups`` whose average faces have a P(same) of at least ``floor``, keyed by
    their first faces, with that P times both groups' sizes (for what the P of each pair of their
    faces adds up to): a sparse graph of who may be who (groups of one face: the P of two faces).
    None when there are more than ``most``."""
    if (pairs := verifier.close_pairs(_average_faces(embeddings, groups), floor, most)) is None:
        return None
    first, second, p = pairs
    sizes, faces = np.array([len(g) for g in groups], np.float64), [g[0] for g in groups]
    return {(faces[i], faces[j]): weight for i, j, weight in
            zip(first.tolist(), second.tolist(), (p * sizes[first] * sizes[second]).tolist())}


def _average_linkage(groups: list[list[int]], links: dict[tuple[int, int], float], stop: float,
                     photos: list[Hashable], smallest: int) -> list[list[int]]:
    """Join the two groups with the highest mean P(same) over their pairs (absent links count 0),
    again and again, while it reaches ``stop``; only groups of ``smallest`` faces or more join, and
    never two with faces of one photo. ``links`` (:func:`_links`) join faces: each adds its P to the
    groups holding its two faces."""
    members = dict(enumerate(groups))
    seen_in = {g: {photos[face] for face in faces} for g, faces in members.items()}  # each group's photos
    group_of = {face: g for g, faces in members.items() for face in faces}
    sums: dict[int, dict[int, float]] = {g: {} for g in members}
    for (i, j), p in links.items():
        a, b = group_of[i], group_of[j]
        if a != b:
            sums[a][b] = sums[b][a] = sums[a].get(b, 0.0) + p
    mean = lambda a, b: sums[a][b] / (len(members[a]) * len(members[b]))  # noqa: E731
    # Only pairs that reach the line can be joined: the heap holds those alone (a pair below it can
    # rise only by a join, which pushes it anew), so it stays small however many links the floor keeps.
    heap = [(-m, a, b) for a in sums for b in sums[a] if a < b and (m := mean(a, b)) >= stop]
    heapq.heapify(heap)
    fresh = itertools.count(len(groups))  # a joined group takes a new number: old pairs in the heap go stale
    while heap:
        best, a, b = heapq.heappop(heap)
        if -best < stop:
            break
        if a not in members or b not in members or min(len(members[a]), len(members[b])) < smallest:
            continue  # joined already (a new group took its place), or too small for this pass
        if not seen_in[a].isdisjoint(seen_in[b]):
            continue  # two people of one photo
        joined = next(fresh)
        members[joined] = members.pop(a) + members.pop(b)
        seen_in[joined] = seen_in.pop(a) | seen_in.pop(b)
        sums[joined] = {}
        for old in (a, b):
            for other, total in sums.pop(old).items():
                if other not in (a, b):
                    del sums[other][old]
                    sums[joined][other] = sums[other][joined] = sums[joined].get(other, 0.0) + total
        for other in sums[joined]:
            if (m := mean(joined, other)) >= stop:
                heapq.heappush(heap, (-m, joined, other))
    return list(members.values())
