"""Prometheus metrics (text exposition format at /metrics)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from huanjian.ingest import gateway as hj212_gateway

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "huanjian_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "huanjian_http_request_seconds", "HTTP request latency", ["method", "route"], registry=REGISTRY
)


class _GatewayCollector(Collector):
    """The HJ 212 gateway running in this process (`huanjian serve`), read at scrape time."""

    def collect(self) -> Iterator[Metric]:
        gateways = list(hj212_gateway.RUNNING)
        if not gateways:
            return
        connections = GaugeMetricFamily("huanjian_gateway_connections", "Logger connections held")
        writers = GaugeMetricFamily("huanjian_gateway_writers", "Writers storing batches")
        queued = GaugeMetricFamily(
            "huanjian_gateway_queued_frames", "Frames waiting for storage", labels=["writer"]
        )
        frames = CounterMetricFamily(
            "huanjian_gateway_frames", "Frames stored or refused, by verdict", labels=["verdict"]
        )
        batches = CounterMetricFamily("huanjian_gateway_batches", "Batches stored (one transaction each)")
        errors = CounterMetricFamily(
            "huanjian_gateway_store_errors", "Failed attempts to store a batch (retried or split)"
        )
        seconds = CounterMetricFamily("huanjian_gateway_store_seconds", "Time spent storing batches")
        # One gateway per process in practice; several (tests) are summed.
        verdicts: dict[str, int] = {}
        depth: dict[int, int] = {}
        n_writers = 0
        for gw in gateways:
            queued_frames = gw.queued_frames()
            n_writers += len(queued_frames)
            for i, n in enumerate(queued_frames):
                depth[i] = depth.get(i, 0) + n
            for verdict, n in gw.stats.verdicts.items():
                verdicts[verdict] = verdicts.get(verdict, 0) + n
        connections.add_metric([], sum(gw.stats.connections for gw in gateways))
        writers.add_metric([], n_writers)
        for i, n in sorted(depth.items()):
            queued.add_metric([str(i)], n)
        for verdict, n in sorted(verdicts.items()):
            frames.add_metric([verdict], n)
        batches.add_metric([], sum(gw.stats.batches for gw in gateways))
        errors.add_metric([], sum(gw.stats.store_errors for gw in gateways))
        seconds.add_metric([], sum(gw.stats.store_seconds for gw in gateways))
        yield from (connections, writers, queued, frames, batches, errors, seconds)


REGISTRY.register(_GatewayCollector())


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
