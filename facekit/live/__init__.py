"""Faces named on live video, free of Streamlit: ``tracks`` (which face is which from one frame to
the next, and the name each face holds, from the evidence of its last recognitions) and ``namer``
(faces found on every frame, recognised off the video thread, drawn on the frame).

May import: ``facekit.gallery`` and everything below it.
"""
