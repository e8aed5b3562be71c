"""Faces: read a photo, find the faces in it, judge a shot, align the face and cut the chip a
model sees, and cache chips on disk.

``images`` (read and write pictures) -> ``detect`` (the face finder: swap it here) -> ``align``
(templates, chips) -> ``chips`` (the on-disk cache); ``quality`` judges light, focus and size.
May import: ``facekit.config``, ``errors``, ``files``.
"""
