"""Hypothesis strategies of hostile SQS bodies (docs/reliability.md#hostile-input), and an
independent oracle of which invalid reasons docs/contract.md#reason-codes allows for a body.

Bodies are written by `render`, not `json.dumps`, so they can hold what a JSON library never
writes: duplicate keys, NaN/Infinity, lone surrogates (escaped or raw), integer literals of
thousands of digits, and nesting thousands of levels deep.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

# ---- what the forwarder may answer ------------------------------------------------------------

STRUCTURAL = {
    "not_object",
    "events_not_list",
    "event_not_object",
    "event_type_not_string",
    "mpid_not_integer",
}
REASONS = STRUCTURAL | {"not_json", "too_deep", "oversize"}
_DECIMAL = re.compile(r"-?[0-9]+")
_WRITABLE_DEPTH = 254  # orjson writes at most this many levels


@dataclass(frozen=True)
class Verdict:
    """What the oracle allows for one body: `must_be_invalid` with one of `reasons`, or (when not
    a must) delivery, or invalid with one of `reasons` only."""

    must_be_invalid: bool
    reasons: frozenset[str]


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


class _LongInteger(int):
    """An integer literal too long for int() (Python limits it to 4300 digits): kept as 0."""


def parse_integer(literal: str) -> int:
    return int(literal) if len(literal) < 4000 else _LongInteger(0)


def _scan(value: Any) -> tuple[int, bool]:
    """(depth, whether any string or key holds a lone surrogate), without recursion."""
    depth, surrogate = 0, False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        depth = max(depth, level)
        if isinstance(item, str):
            surrogate = surrogate or _has_surrogate(item)
        elif isinstance(item, dict):
            surrogate = surrogate or any(_has_surrogate(key) for key in item)
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return depth, surrogate


def _raw_depth(text: str) -> int:
    """The deepest bracket nesting of `text`, outside strings, whether or not it is JSON."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _has_surrogate(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def _structural(value: Any) -> set[str]:
    """The permanent errors (docs/contract.md#reason-codes) that apply to a parsed body."""
    if not isinstance(value, dict):
        return {"not_object"}
    reasons: set[str] = set()
    events = value.get("events")
    if events is not None and not isinstance(events, list):
        reasons.add("events_not_list")
    elif events:
        if not all(isinstance(event, dict) for event in events):
            reasons.add("event_not_object")
        elif not all(isinstance(event.get("event_type"), str) for event in events):
            reasons.add("event_type_not_string")
    mpid = value.get("mpid")
    integer = isinstance(mpid, int) and not isinstance(mpid, bool)
    if (
        mpid is not None
        and not integer
        and not (isinstance(mpid, str) and _DECIMAL.fullmatch(mpid))
    ):
        reasons.add("mpid_not_integer")
    return reasons


def verdict(body: str, limit: int) -> Verdict:
    """What the forwarder may do with `body` under a record size limit of `limit` bytes."""
    text = body.removeprefix("\ufeff")  # one leading byte order mark is not part of the JSON
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_int=parse_integer)
    except RecursionError:
        # Nested beyond the parser's reach; a deep part inside a field the settings remove is
        # still invalid here, since the body must be parsed before anything is removed.
        return Verdict(True, frozenset({"too_deep"}))
    except ValueError:
        # Not JSON; a reader may also give up on its depth before it reaches the fault.
        deep = {"too_deep"} if _raw_depth(body) > _WRITABLE_DEPTH else set()
        return Verdict(True, frozenset({"not_json"} | deep))
    depth, surrogate = _scan(value)
    # A body nested deeper than the writer allows may fail as too deep before it is validated
    # (reading it exactly can hit the recursion limit at a depth that depends on the call stack).
    deep = {"too_deep"} if depth > _WRITABLE_DEPTH else set()
    structural = _structural(value)
    if structural:  # validation runs before anything is written
        return Verdict(True, frozenset(structural | deep))
    # Valid: it may still be unwritable, but only for a reason the body shows (the settings may
    # remove the part that shows it, so none of these is a must).
    allowed = set(deep)
    if surrogate:
        allowed.add("not_json")
    if len(body.encode(errors="surrogatepass")) + 256 > limit:
        allowed.add("oversize")
    return Verdict(False, frozenset(allowed))


# ---- writing bodies ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pairs:
    """A JSON object as written: keys in order, duplicates allowed."""

    items: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Raw:
    """JSON text written as it is (deep nesting, huge literals, NaN)."""

    text: str


def render(value: Any, *, ascii_only: bool) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs):
        members = (
            f"{json.dumps(key, ensure_ascii=ascii_only)}:{render(item, ascii_only=ascii_only)}"
            for key, item in value.items
        )
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(render(item, ascii_only=ascii_only) for item in value) + "]"
    # Scalars: NaN and Infinity come out as their (invalid) literals.
    return json.dumps(value, ensure_ascii=ascii_only, allow_nan=True)


def deep(levels: int, kind: str) -> Raw:
    if kind == "list":
        return Raw("[" * levels + "1" + "]" * levels)
    return Raw('{"a":' * levels + "1" + "}" * levels)


SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d"]
CANDIDATE_EVENT_TYPES = [
    "custom_event",
    "screen_view",
    "session_start",
    "network_performance",
    "user_attribute_change",
    "user_identity_change",
    "no_such_type",
]
characters = st.one_of(st.characters(), st.sampled_from(SURROGATES))
texts = st.text(characters, max_size=24)
huge_literals = st.sampled_from(
    [
        Raw("9" * 5000),  # beyond Python's int() digit limit: must never be converted
        Raw("-" + "1" * 400),
        Raw("18446744073709551616"),  # 2**64
        Raw("-9223372036854775809"),  # -2**63 - 1
        Raw("1e999"),
        Raw("-1e999"),
        Raw("NaN"),
        Raw("Infinity"),
        Raw("-Infinity"),
    ]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-(2**1000), max_value=2**1000),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    huge_literals,
)
deep_values = st.builds(deep, st.integers(1, 3000), st.sampled_from(["list", "object"]))
containers = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(st.tuples(texts, inner), max_size=3).map(lambda items: Pairs(tuple(items))),
    ),
    max_leaves=8,
)
hostile_values = st.one_of(containers, deep_values)


def _object(*fields: tuple[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Pairs]:
    """An object whose every field is left out, right, or hostile; sometimes a key twice."""

    @st.composite
    def build(draw: st.DrawFn) -> Pairs:
        items: list[tuple[str, Any]] = []
        for name, good in fields:
            choice = draw(st.sampled_from(["good", "good", "absent", "hostile"]))
            if choice != "absent":
                items.append((name, draw(good if choice == "good" else hostile_values)))
        if items and draw(st.integers(0, 9)) == 0:  # a duplicate key, the second one wins
            name, _ = draw(st.sampled_from(items))
            items.append((name, draw(st.one_of(hostile_values, st.none()))))
        return Pairs(tuple(items))

    return build()


locations = _object(
    ("latitude", st.floats(-90, 90)), ("longitude", st.floats(-180, 180)), ("accuracy", scalars)
)
event_data = _object(
    ("event_name", texts),
    (
        "custom_attributes",
        st.dictionaries(texts, texts, max_size=3).map(lambda d: Pairs(tuple(d.items()))),
    ),
    ("location", locations),
    ("timestamp_unixtime_ms", st.integers(0, 2**63)),
    ("event_id", st.integers(-(2**63), 2**63 - 1)),
)
events = _object(("event_type", st.sampled_from(CANDIDATE_EVENT_TYPES)), ("data", event_data))
identities = st.lists(
    _object(("identity_type", st.sampled_from(["email", "customer_id"])), ("identity", texts)),
    max_size=2,
)
batches = _object(
    ("events", st.lists(events, max_size=4)),
    (
        "mpid",
        st.one_of(
            st.integers(-(2**63), 2**63 - 1), st.from_regex(r"-?[0-9]{1,25}", fullmatch=True)
        ),
    ),
    ("batch_id", st.integers(-(2**63), 2**63 - 1)),
    ("environment", st.sampled_from(["production", "development"])),
    ("ip", st.ip_addresses().map(str)),
    ("mp_deviceid", st.uuids().map(str)),
    ("device_info", _object(("platform", texts), ("device", texts))),
    ("application_info", _object(("application_name", texts))),
    ("source_info", _object(("channel", texts))),
    ("context", _object(("location", locations), ("data_plan", texts))),
    ("user_identities", identities),
    (
        "user_attributes",
        st.dictionaries(texts, texts, max_size=2).map(lambda d: Pairs(tuple(d.items()))),
    ),
    ("unique_id", texts),
)


class Body(str):
    """A body whose repr stays short (hypothesis prints the failing example)."""

    __slots__ = ()

    def __repr__(self) -> str:
        if len(self) <= 300:
            return super().__repr__()
        return f"{str.__repr__(self[:200])}...({len(self)} characters)"


def bodies() -> st.SearchStrategy[Body]:
    return _bodies().map(Body)


@st.composite
def _bodies(draw: st.DrawFn) -> str:
    """One hostile SQS body."""
    ascii_only = draw(st.booleans())
    kind = draw(st.sampled_from(["batch", "batch", "batch", "json", "text", "cut", "special"]))
    if kind == "batch":
        return render(draw(batches), ascii_only=ascii_only)
    if kind == "json":
        return render(draw(hostile_values), ascii_only=ascii_only)
    if kind == "text":
        return draw(st.text(characters, max_size=64))
    if kind == "cut":  # a batch cut short or with one character changed
        text = render(draw(batches), ascii_only=ascii_only)
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from(["", '"', "}", "\x00", "\ud800", ","]))
    return draw(st.sampled_from(SPECIAL_BODIES))


_MIB = 1 << 20
_BIG_EVENT = {"event_type": "custom_event", "data": {"event_name": "x" * 200}}
SPECIAL_BODIES = [
    "",
    " ",
    "\n",
    "null",
    "[]",
    "{}",
    '"a string"',
    "NaN",
    '{"mpid": NaN, "events": []}',
    '{"mpid": 1, "events": [{"event_type": "custom_event", "data": {"v": Infinity}}]}',
    '{"mpid": 1, "mpid": "x"}',  # duplicate key: the last one ("x") wins
    '{"mpid": "x", "mpid": 1}',
    '{"events": [], "events": 5}',
    '{"mpid": 1, "events": [{"event_type": "custom_event", "data": {"s": "\\ud800"}}]}',
    '{"mpid": 1, "events": [{"event_type": "custom_event", "data": {"s": "\ud800"}}]}',
    '{"mpid": 1, "note": "\\udc00\\ud800"}',
    '{"mpid": ' + "9" * 5000 + ', "events": []}',
    '{"mpid": 1, "events": [], "big": ' + "9" * 5000 + "}",
    '{"mpid": 1e400}',
    '{"batch_id": 1e400, "events": []}',
    '\ufeff{"mpid": 1, "events": [{"event_type": "custom_event", "data": {"v": 1.10}}]}',
    '\ufeff\ufeff{"mpid": 1, "events": []}',
    '{"mpid": -0, "batch_id": "007", "events": [{"event_type": "x", "data": {"v": -0.0}}]}',
    "[" * 5000 + "]" * 5000,
    '{"a":' * 5000 + "1" + "}" * 5000,
    '{"mpid": 1, "events": [{"event_type": "custom_event", "data": '
    + "[" * 300
    + "]" * 300
    + "}]}",
    "[" * _MIB,  # 1 MiB of opening brackets
    '{"mpid": 1, "blob": "' + "x" * (_MIB - 30) + '"}',  # ~1 MiB batch, one huge field
    json.dumps({"mpid": 1, "events": [_BIG_EVENT] * (_MIB // 260)}),  # ~1 MiB, many events
    '{"mpid": 1, "events": [' + "{}," * (_MIB // 3 - 20) + "{}]}",  # ~1 MiB, events not objects
]
