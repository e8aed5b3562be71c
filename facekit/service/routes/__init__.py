"""The API's routes, a router per tag: ``health`` (service), ``verify`` (photos compared), ``people``
(the gallery), ``sort`` (a pile of photos grouped by person). A new route goes in one of them, or
in a new router that ``app.create_app`` includes."""
