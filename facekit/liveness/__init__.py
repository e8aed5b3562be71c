"""Is it a live person? A head-turn (and blink) check on video, free of Streamlit: ``evidence``
(what one frame shows: the face mesh, the head's yaw, how open the eyes are; and how far a
sequence of meshes is from a flat picture moved about), ``check`` (a sequence judged: live or
not, and why), ``challenge`` (the Live page's random prompt, followed frame by frame), ``video``
(the frames of a video file or a folder of pictures).

May import: ``facekit.faces`` and everything below it.
"""
