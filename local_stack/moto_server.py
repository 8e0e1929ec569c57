"""moto_server with its FIFO queues corrected to deliver each message group in order.

moto 5.2.5 counts a group as busy while any of its received messages is undeleted, even one whose
visibility timeout has run out, and frees such a message only when its receive loop reaches it;
and the loop reads message by message while their timeouts run out under it. So when several
messages of a group become visible again together, it skips the group's first ones and delivers a
later one first. SQS delivers a group's first message first and nothing of a group while one of
its messages is in flight; the FIFO tests need that order from the stack. Two reads are corrected:
a group is busy while one of its messages is received and still hidden; and the messages offered
to a receive pass are decided once, at its start: none of a busy group, and per group only up to
its first hidden or delayed message. Standard queues have no groups and are unaffected.
"""

from __future__ import annotations

import sys

from moto.server import main
from moto.sqs.models import Message, Queue


def _ready(message: Message) -> bool:
    return bool(message.visible and not message.delayed)


def _groups_in_flight(queue: Queue) -> set[str]:
    """Groups with a received message that is still hidden (neither deleted nor visible)."""
    return {
        message.group_id
        for message in queue.pending_messages
        if message.group_id is not None and not message.visible
    }


def _offered(queue: Queue) -> list[Message]:
    """The visible messages in queue order, decided once per receive pass; in a FIFO queue, none
    of a group with a message in flight, and a group's only up to its first hidden or delayed one
    (a group is never served out of order).

    Messages whose visibility timeout ran out leave the in-flight set here, all at once, rather
    than one by one as moto's loop reaches them: its loop would otherwise see a timeout run out
    mid-pass, skip a group's first messages and serve a later one."""
    in_flight: set[str] = set()
    for message in list(queue.pending_messages):
        if message.visible:
            queue.pending_messages.discard(message)
        elif message.group_id is not None:
            in_flight.add(message.group_id)
    stopped = in_flight if queue.fifo_queue else set()
    offered = []
    for message in queue._messages:
        group = message.group_id if queue.fifo_queue else None
        if group is not None and group in stopped:
            continue
        if _ready(message):
            offered.append(message)
        elif group is not None:
            stopped.add(group)
    return offered


def _visible_count(queue: Queue) -> int:
    """SQS's ApproximateNumberOfMessages: every visible message, offered or not."""
    return sum(1 for message in queue._messages if _ready(message))


CORRECTIONS = {
    "pending_message_groups": property(_groups_in_flight),
    "messages": property(_offered),
    "approximate_number_of_messages": property(_visible_count),
}


if __name__ == "__main__":
    for name, corrected in CORRECTIONS.items():
        setattr(Queue, name, corrected)
    main(sys.argv[1:])
