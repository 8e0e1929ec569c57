"""mParticle's eleven connection settings, in one place, and their effect on a validated batch.

See docs/contract.md#connection-settings. Removing a field that is not there is not an error;
events are dropped by `event_type` alone, so an event type the forwarder does not know is kept;
nothing else is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.batch import Batch, Event

if TYPE_CHECKING:
    from core.settings import Settings

# The `dropped` counters (see `core.transform.Transformed`).
NETWORK_PERFORMANCE = "network_performance"
USER_ATTRIBUTE_CHANGE = "user_attribute_change"
USER_IDENTITY_CHANGE = "user_identity_change"
EVENTLESS_BATCH = "eventless_batch"

_METADATA = ("application_info", "device_info", "source_info")

Shaped = tuple[list[Event], list[str], dict[str, int]]


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """The connection settings under their own (positive) names, with mParticle's defaults.

    The derived fields are resolved once per container, so `shape` does no setting logic per batch.
    """

    unique_id: str | None = None
    metadata_field_exclusion: frozenset[str] = frozenset()
    send_network_performance_events: bool = True
    send_as_batch: bool = True
    include_location_information: bool = True
    include_metadata: bool = True
    include_user_attribute_change_events: bool = False
    include_user_identity_change_events: bool = False
    send_batches_without_events: bool = True
    include_mp_deviceid: bool = False
    include_event_batch_location: bool = False
    # Derived: the top-level fields removed, and the event types dropped.
    removed_fields: tuple[str, ...] = field(init=False)
    dropped_types: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        removed = [] if self.include_metadata else list(_METADATA)
        if "ip_address" in self.metadata_field_exclusion:
            removed.append("ip")
        if not self.include_mp_deviceid:
            removed.append("mp_deviceid")
        sent = {
            NETWORK_PERFORMANCE: self.send_network_performance_events,
            USER_ATTRIBUTE_CHANGE: self.include_user_attribute_change_events,
            USER_IDENTITY_CHANGE: self.include_user_identity_change_events,
        }
        object.__setattr__(self, "removed_fields", tuple(removed))
        object.__setattr__(self, "dropped_types", frozenset(t for t, on in sent.items() if not on))

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionSettings:
        return cls(
            unique_id=settings.unique_id,
            metadata_field_exclusion=frozenset(settings.metadata_field_exclusion),
            send_network_performance_events=settings.send_network_performance_events,
            send_as_batch=settings.send_as_batch,
            include_location_information=settings.include_location_information,
            include_metadata=settings.include_metadata,
            include_user_attribute_change_events=settings.include_user_attribute_change_events,
            include_user_identity_change_events=settings.include_user_identity_change_events,
            send_batches_without_events=settings.send_batches_without_events,
            include_mp_deviceid=settings.include_mp_deviceid,
            include_event_batch_location=settings.include_event_batch_location,
        )

    def shape(self, batch: Batch) -> Shaped:
        """Remove what the settings remove; return the kept events, their types and the dropped
        counts by reason."""
        fields = batch.fields
        for name in self.removed_fields:
            fields.pop(name, None)
        if "device_name" in self.metadata_field_exclusion:
            device = fields.get("device_info")
            if isinstance(device, dict):
                device.pop("device", None)
        if not self.include_event_batch_location:
            context = fields.get("context")
            if isinstance(context, dict) and "location" in context:
                del context["location"]
                if not context:
                    del fields["context"]
        if self.unique_id is not None:
            fields["unique_id"] = self.unique_id  # overwrites in place, else appended
        if not batch.events:
            return [], [], {}
        return self._kept(batch)

    def _kept(self, batch: Batch) -> Shaped:
        events, event_types = batch.events or [], batch.event_types
        dropped: dict[str, int] = {}
        drop = self.dropped_types
        # isdisjoint is one C call: most batches hold no dropped type and pay nothing more.
        if not drop.isdisjoint(event_types):
            events = [e for e, t in zip(events, event_types, strict=True) if t not in drop]
            for event_type in event_types:
                if event_type in drop:
                    dropped[event_type] = dropped.get(event_type, 0) + 1
            event_types = [t for t in event_types if t not in drop]
            batch.fields["events"] = events  # same key, same place; `[]` if all were dropped
        if not self.include_location_information:
            for event in events:
                data = event.get("data")
                if isinstance(data, dict):
                    data.pop("location", None)
        return events, event_types, dropped
