"""Prometheus metrics (text exposition format at /metrics)."""

from __future__ import annotations

from fastapi import Request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "huanjian_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "huanjian_http_request_seconds", "HTTP request latency", ["method", "route"], registry=REGISTRY
)


def _route_template(request: Request) -> str:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    # Unmatched paths are folded into one label so scanners cannot explode cardinality.
    return str(path) if path else "unmatched"


def observe(request: Request, status: int, seconds: float) -> None:
    route = _route_template(request)
    REQUESTS.labels(request.method, route, str(status)).inc()
    LATENCY.labels(request.method, route).observe(seconds)


def exposition() -> bytes:
    return bytes(generate_latest(REGISTRY))
