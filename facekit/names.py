"""People's names: one rule for every door (the app's captures, the gallery, the API).

A typed name is kept as :func:`person_name` makes it: Unicode NFKC (fullwidth letters become
plain ones), invisible and direction-changing format characters removed, runs of spaces made one,
case kept as typed and compared exactly ("Ada" and "ada" are two people). Captures store it in
file names through :func:`file_name_part`; :func:`display_name` turns that back into words.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from facekit.errors import DataError

MAX_NAME = 60  # characters: a name fits a web address, a file name and a table cell


def _normalised(text: str) -> str:
    """NFKC, format characters (zero-width spaces, bidirectional overrides) dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKC", str(text))
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Cf").split())


def person_name(text: str) -> str:
    """A typed name as facekit keeps it: ``"  Ada\\u200b  Lovelace "`` -> ``"Ada Lovelace"``, any script.

    Raises :class:`DataError` for a name without a letter or digit, one longer than
    :data:`MAX_NAME`, one with a ``/`` (it could not appear in a web address) or control
    characters, or one that was not valid UTF-8 (decoded into replacement characters).
    """
    name = _normalised(text)
    if "\ufffd" in name:  # what bytes that are not UTF-8 become when decoded: two junk names would be one
        raise DataError("A name must be valid text (UTF-8)", "Type it again with letters, digits and spaces.")
    if not any(c.isalnum() for c in name):
        raise DataError("Type a name with at least one letter or digit")
    if len(name) > MAX_NAME:
        raise DataError(f"A name has at most {MAX_NAME} characters, this one has {len(name)}")
    if "/" in name or any(unicodedata.category(c) == "Cc" for c in name):
        raise DataError("A name cannot hold '/' or control characters", "Type it with letters, digits and spaces.")
    return name


def file_name_part(text: str) -> str:
    """A typed name as a safe file-name part, in any script: ``"Ada Lovelace"`` -> ``"Ada_Lovelace"``,
    ``"José"``, ``"李雷"`` and ``"محمد"`` stay as they are.

    The name is normalised as :func:`person_name` does; letters and digits of any script, ``-``
    and ``'`` are kept; every other run of characters (spaces, ``/``, ``.``) becomes one ``_``.
    When that changes more than the spaces (``"../etc"``) or the name is longer than
    :data:`MAX_NAME`, six characters of a digest of the name are appended, so two different names
    never become one person. Raises :class:`DataError` when no letter or digit is left.
    """
    typed = _normalised(text)
    name = re.sub(r"_+", "_", "".join(c if c.isalnum() or c in "-'" else "_" for c in typed)).strip("_")
    if not any(c.isalnum() for c in name):
        raise DataError("Type a name with at least one letter or digit")
    if name.replace("_", " ") != typed.replace("_", " ") or len(name) > MAX_NAME:  # "_" is a space: idempotent
        name = f"{name[:MAX_NAME - 7]}-{hashlib.sha1(typed.encode()).hexdigest()[:6]}"
    return name


def display_name(part: str) -> str:
    """How a file-name part is shown: ``"Ada_Lovelace"`` -> ``"Ada Lovelace"`` (a visitor's mark
    and a digest that :func:`file_name_part` appended are left out)."""
    return re.sub(r"(-[0-9a-f]{6})?(~[0-9a-f]{8})?$", "", part).replace("_", " ")
