"""The API's Prometheus metrics, with Prometheus' own client: requests by route and status, errors,
a latency histogram, the model's load time, the gallery's size and how far this process's search
index lags behind the gallery.

Under several workers (``facekit serve --workers N``) each process writes its figures to files in
``$PROMETHEUS_MULTIPROC_DIR`` (``facekit serve`` makes one) and a scrape through any worker reads
them all: the counts are the whole server's, not one worker's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Read once, as prometheus_client itself does when it is imported (it then keeps its values in files).
_MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class RequestMetrics:
    """One process's metrics (a registry of its own, so several apps in one process stay apart)."""

    def __init__(self) -> None:
        self._registry = CollectorRegistry()
        per_route = {"labelnames": ("method", "route"), "registry": self._registry}
        self._requests = Counter("facekit_requests", "HTTP requests by route and status.",
                                 labelnames=("method", "route", "status"), registry=self._registry)
        self._errors = Counter("facekit_errors", "HTTP requests answered with an error (4xx or 5xx), by route.", **per_route)
        self._seconds = Histogram("facekit_request_seconds", "Time to answer, by route.", buckets=LATENCY_BUCKETS, **per_route)
        # One line per live worker (a pid label under several workers): which workers are up, and how fast each loaded.
        self.model_load_seconds = Gauge("facekit_model_load_seconds", "Seconds this worker took to load its model.",
                                        multiprocess_mode="liveall", registry=self._registry)
        self.gallery_photos = Gauge("facekit_gallery_photos", "Photos enrolled in the gallery, at the last scrape.",
                                    multiprocess_mode="livemostrecent", registry=self._registry)
        self.index_lag_seconds = Gauge("facekit_index_lag_seconds", "Seconds between the gallery's last change and "
                                       "this worker's search index showing it, at its last catch-up.",
                                       multiprocess_mode="livemax", registry=self._registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self._requests.labels(method, route, str(status)).inc()
        if status >= 400:
            self._errors.labels(method, route).inc()
        self._seconds.labels(method, route).observe(seconds)

    def text(self) -> bytes:
        """The Prometheus text format: every worker's figures under several workers, else this process's."""
        if _MULTIPROCESS:
            _forget_dead_workers()
            everyone = CollectorRegistry()
            multiprocess.MultiProcessCollector(everyone)
            return generate_latest(everyone)
        return generate_latest(self._registry)


def _forget_dead_workers() -> None:
    """The live gauges of workers that died without saying so (killed) leave the scrape."""
    from facekit.service.supervisor import is_running

    for file in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("gauge_live*_*.db"):
        if (pid := re.search(r"_(\d+)\.db$", file.name)) and not is_running(int(pid.group(1))):
            multiprocess.mark_process_dead(int(pid.group(1)))


def worker_gone() -> None:
    """This worker is stopping: its live gauges leave the scrape (its counts stay)."""
    if _MULTIPROCESS:
        multiprocess.mark_process_dead(os.getpid())
