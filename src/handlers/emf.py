"""CloudWatch embedded metric format (EMF) documents, one JSON line each on stdout.

The documents are the ones Powertools' `Metrics` writes (the same `_aws` directive, a `service`
dimension from POWERTOOLS_SERVICE_NAME, every value a one-element list of floats, the namespace
from POWERTOOLS_METRICS_NAMESPACE), written with orjson at about a tenth of the cost: Powertools
validates and copies each metric, reads the environment per document and serialises with
`json.dumps`, which made the metrics the largest per-invocation cost of a warm invocation
(docs/benchmarks.md#profiles). Metrics are off, as with Powertools, when POWERTOOLS_METRICS_DISABLED
is true, or when POWERTOOLS_DEV is true and POWERTOOLS_METRICS_DISABLED is not set.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import orjson

Unit = Literal["Count", "Bytes", "Milliseconds"]
DEFAULT_NAMESPACE = "KafkaEventForwarder"
# What Powertools' strtobool reads as true (anything else is false here, never an error).
_TRUE = frozenset({"1", "y", "yes", "t", "true", "on"})


def metrics_disabled(environ: Mapping[str, str]) -> bool:
    """Powertools' rule: disabled by POWERTOOLS_METRICS_DISABLED, or by POWERTOOLS_DEV unless
    POWERTOOLS_METRICS_DISABLED says otherwise."""
    disabled = environ.get("POWERTOOLS_METRICS_DISABLED")
    if disabled is not None:
        return disabled.strip().lower() in _TRUE
    return environ.get("POWERTOOLS_DEV", "").strip().lower() in _TRUE


class Document:
    """One EMF document being built: metrics sharing the document's dimensions."""

    __slots__ = ("_dimensions", "_emf", "_metrics")

    def __init__(self, emf: Emf, dimensions: Mapping[str, str]) -> None:
        self._emf, self._dimensions = emf, dimensions
        self._metrics: list[tuple[str, Unit, float]] = []

    def add_metric(self, name: str, unit: Unit, value: float) -> Document:
        self._metrics.append((name, unit, value))
        return self

    def write(self) -> None:
        """Write the document (nothing when it holds no metric or metrics are disabled)."""
        if self._metrics:
            self._emf.write(self._metrics, self._dimensions)


class Emf:
    """Writes EMF documents in one namespace, each with the service's dimension."""

    def __init__(
        self,
        namespace: str,
        service: str | None,
        *,
        disabled: bool = False,
        out: Callable[[bytes], Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`out` takes each document's bytes, newline included (default: stdout, looked up per
        write so that a redirected or captured stdout receives it)."""
        self.namespace, self.service, self.disabled = namespace, service, disabled
        self._out, self._clock = out, clock

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Emf:
        return cls(
            environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE,
            environ.get("POWERTOOLS_SERVICE_NAME") or None,
            disabled=metrics_disabled(environ),
        )

    def document(self, dimensions: Mapping[str, str] | None = None) -> Document:
        """A new document with `dimensions` besides the service's."""
        return Document(self, dimensions or {})

    def write(self, metrics: list[tuple[str, Unit, float]], dimensions: Mapping[str, str]) -> None:
        if self.disabled:
            return
        values = dict(dimensions)
        if self.service:
            values["service"] = self.service
        directive = {
            "Namespace": self.namespace,
            "Dimensions": [list(values)],
            "Metrics": [{"Name": name, "Unit": unit} for name, unit, _ in metrics],
        }
        document: dict[str, Any] = {
            "_aws": {"Timestamp": int(self._clock() * 1000), "CloudWatchMetrics": [directive]}
        }
        document |= values
        document |= {name: [float(value)] for name, _, value in metrics}
        line = orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE)
        if self._out is not None:
            self._out(line)
            return
        sys.stdout.write(line.decode())
