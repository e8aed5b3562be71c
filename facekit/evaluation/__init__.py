"""Evaluation: every model (and the pixel baseline) scored on LFW's protocol pairs, the figures
record (``models/metrics.json``) and its typed reader.

May import: ``facekit.model`` and everything below it.
"""
