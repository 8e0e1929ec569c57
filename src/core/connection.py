"""Apply the connection settings of spec section 2.3 to a validated batch, in place.

Removing a field that is not there is not an error; events are dropped by `event_type` alone, so
an event type the forwarder does not know is kept; nothing else is touched.
"""

from __future__ import annotations

from core.batch import Batch, Event
from core.settings import Settings

# The `dropped` counters (see `core.records.Transformed`).
NETWORK_PERFORMANCE = "network_performance"
USER_ATTRIBUTE_CHANGE = "user_attribute_change"
USER_IDENTITY_CHANGE = "user_identity_change"
EVENTLESS_BATCH = "eventless_batch"

_METADATA = ("application_info", "device_info", "source_info")

Shaped = tuple[list[Event], list[str], dict[str, int]]


class ConnectionSettings:
    """The connection settings, resolved once per container into what `shape` needs."""

    def __init__(self, settings: Settings) -> None:
        removed: list[str] = []
        if not settings.include_metadata:
            removed.extend(_METADATA)
        if "ip_address" in settings.metadata_field_exclusion:
            removed.append("ip")
        if not settings.include_mp_deviceid:
            removed.append("mp_deviceid")
        self._removed_fields = tuple(removed)
        self._remove_device_name = "device_name" in settings.metadata_field_exclusion
        self._remove_batch_location = not settings.include_event_batch_location
        self._remove_event_location = not settings.include_location_information
        self._unique_id = settings.unique_id
        dropped = {
            NETWORK_PERFORMANCE: not settings.send_network_performance_events,
            USER_ATTRIBUTE_CHANGE: not settings.include_user_attribute_change_events,
            USER_IDENTITY_CHANGE: not settings.include_user_identity_change_events,
        }
        self.dropped_types = frozenset(name for name, drop in dropped.items() if drop)

    def shape(self, batch: Batch) -> Shaped:
        """Remove what the settings remove; return the kept events, their types and the dropped
        counts by reason."""
        fields = batch.fields
        for name in self._removed_fields:
            fields.pop(name, None)
        if self._remove_device_name:
            device = fields.get("device_info")
            if isinstance(device, dict):
                device.pop("device", None)
        if self._remove_batch_location:
            context = fields.get("context")
            if isinstance(context, dict) and "location" in context:
                del context["location"]
                if not context:
                    del fields["context"]
        if self._unique_id is not None:
            fields["unique_id"] = self._unique_id  # overwrites in place, else appended
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
        if self._remove_event_location:
            for event in events:
                data = event.get("data")
                if isinstance(data, dict):
                    data.pop("location", None)
        return events, event_types, dropped
