"""Prometheus counters of the API: requests by route and status, errors, a latency histogram."""

from __future__ import annotations

import threading
from collections import defaultdict

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RequestMetrics:
    """Prometheus counters by route: requests by status, errors, and a latency histogram."""

    def __init__(self):
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self._buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (len(_LATENCY_BUCKETS) + 1))
        self._seconds: dict[tuple[str, str], float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[method, route, status] += 1
            self._seconds[method, route] += seconds
            bucket = next((i for i, edge in enumerate(_LATENCY_BUCKETS) if seconds <= edge), len(_LATENCY_BUCKETS))
            self._buckets[method, route][bucket] += 1

    def text(self) -> str:
        with self._lock:
            lines = ["# HELP facekit_requests_total HTTP requests by route and status.",
                     "# TYPE facekit_requests_total counter"]
            lines += [f'facekit_requests_total{{method="{m}",route="{r}",status="{s}"}} {n}'
                      for (m, r, s), n in sorted(self._requests.items())]
            lines += ["# HELP facekit_errors_total HTTP requests answered with an error (4xx or 5xx), by route.",
                      "# TYPE facekit_errors_total counter"]
            errors: dict[tuple[str, str], int] = defaultdict(int)
            for (m, r, s), n in self._requests.items():
                errors[m, r] += n if s >= 400 else 0
            lines += [f'facekit_errors_total{{method="{m}",route="{r}"}} {n}' for (m, r), n in sorted(errors.items())]
            lines += ["# HELP facekit_request_seconds Time to answer, by route.", "# TYPE facekit_request_seconds histogram"]
            for (m, r), counts in sorted(self._buckets.items()):
                total = 0
                for edge, count in zip((*_LATENCY_BUCKETS, "+Inf"), counts):
                    total += count
                    lines.append(f'facekit_request_seconds_bucket{{method="{m}",route="{r}",le="{edge}"}} {total}')
                lines.append(f'facekit_request_seconds_sum{{method="{m}",route="{r}"}} {self._seconds[m, r]:.6f}')
                lines.append(f'facekit_request_seconds_count{{method="{m}",route="{r}"}} {total}')
        return "\n".join(lines) + "\n"
