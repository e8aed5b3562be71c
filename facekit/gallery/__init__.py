"""The gallery: enrolled people and their photos in SQLite or PostgreSQL (``store``), and
verifying or identifying a photo among them (``people``), several photos enrolled at once
(``enrolment``).

May import: ``facekit.model`` and everything below it.
"""
