"""An AWS X-Ray trace header as a W3C `traceparent` (docs/contract.md#trace-context).

X-Ray: `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1` (fields in any
order, others such as `Lineage` ignored). W3C Trace Context: `00-<trace id>-<parent id>-<flags>`,
the trace id being X-Ray's 8-digit epoch and 24-digit unique part joined, the parent id X-Ray's
`Parent`, and the flags `01` when sampled. This is the mapping AWS's own propagators (the
OpenTelemetry X-Ray propagator) use, so a consumer continues the same trace.
"""

from __future__ import annotations

import re
from functools import lru_cache

_ROOT = re.compile(r"1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})")
_PARENT = re.compile(r"[0-9a-fA-F]{16}")
_VERSION = "00"


@lru_cache(maxsize=256)  # a batch's messages often share one trace; converting is pure
def traceparent(xray_header: str | None) -> bytes | None:
    """The `traceparent` value for `xray_header`, or None when it has no valid Root and Parent
    (no header is better than one naming a trace that does not exist)."""
    if not xray_header:
        return None
    fields = _fields(xray_header)
    root = _ROOT.fullmatch(fields.get("Root", ""))
    parent = fields.get("Parent", "")
    if root is None or _PARENT.fullmatch(parent) is None:
        return None
    trace_id = (root[1] + root[2]).lower()
    parent_id = parent.lower()
    if trace_id == "0" * 32 or parent_id == "0" * 16:  # W3C: all-zero ids are invalid
        return None
    flags = "01" if fields.get("Sampled") == "1" else "00"
    return f"{_VERSION}-{trace_id}-{parent_id}-{flags}".encode()


def _fields(header: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name.strip(), value.strip())
    return fields
