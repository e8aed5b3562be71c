"""The HTTP API (FastAPI): ``app.create_app`` assembles routers (``routes``), shared dependencies
(``state``: the model, the gallery, keys, admission) and error answers (``errors``). Add a route
in ``routes``.

May import: everything in facekit except ``facekit.cli``.
"""
