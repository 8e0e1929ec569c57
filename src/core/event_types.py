"""mParticle's event types by name, and event counts keyed by them for the metrics.

A metric dimension must stay bounded, whatever the senders put in `event_type`: the types of
mParticle's event model (its JSON schema, SDK and TypeScript enumerations) count under their own
name, anything else under `other`. See docs/operations.md#metrics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

OTHER = "other"
# Up to this many distinct types a per-type count is the cheaper way to count a batch.
_FEW = 8

EVENT_TYPES = frozenset(
    {
        "custom_event",
        "commerce_event",
        "screen_view",
        "session_start",
        "session_end",
        "application_state_transition",
        "crash_report",
        "breadcrumb",
        "first_run",
        "network_performance",
        "opt_out",
        "profile",
        "push_message",
        "push_registration",
        "uninstall",
        "user_attribute_change",
        "user_identity_change",
        "pre_attribution",
        "push_reaction",
        "validation_result",
        "unknown",
    }
)


def count_by_type(event_types: Sequence[str]) -> dict[str, int]:
    """How many events of each type, unknown types counted together as `other`."""
    names = set(event_types)
    if len(names) > _FEW:  # many distinct types (hostile input): one pass, never n per type
        return bounded(Counter(event_types))
    # A batch holds a few distinct types: a C-level count per type is cheaper than a Counter.
    return bounded({name: event_types.count(name) for name in names})


def bounded(counts: Mapping[str, int]) -> dict[str, int]:
    """`counts` with every key outside mParticle's event types merged into `other`."""
    if EVENT_TYPES.issuperset(counts):  # the common case: one C call, the counts as they are
        return dict(counts)
    merged: dict[str, int] = {}
    for name, count in counts.items():
        key = name if name in EVENT_TYPES else OTHER
        merged[key] = merged.get(key, 0) + count
    return merged
