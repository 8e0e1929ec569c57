"""FIFO order, the one rule (docs/contract.md#fifo-queues).

Per message group, no record of a later message may reach Kafka before every record of the
earlier ones is acknowledged, and once a message of a group is retried, the rest of that group is
returned for retry unsent; other groups go on. So the messages are shipped in waves: wave k holds
the k-th message of every group still going, in SQS order, and ends with one acknowledgement
wait. A batch of g groups of at most n messages each waits n times (SQS FIFO batches hold at most
10 messages); a standard queue never comes here and keeps its one wait.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from core.outcomes import MessageOutcome, Outcome
from core.sqs_event import SqsMessage

HELD = "fifo_order"  # the reason code of a message held back behind a retried one of its group


class GroupOrder:
    """Which messages of a FIFO batch go in which wave, and which groups have stopped.

    A message without a `MessageGroupId` (a hand-made event) counts as one group with every other
    such message: the whole batch in order, the strictest reading.
    """

    def __init__(self, messages: Sequence[SqsMessage]) -> None:
        self._groups = [m.group_id for m in messages]
        self._stopped: set[str | None] = set()

    def waves(self) -> Iterator[list[int]]:
        """The positions to ship, wave by wave; a position never yielded is `held`: retried
        unsent because an earlier message of its group was retried. Call `settle` for every
        position of a wave before asking for the next."""
        for wave in _waves(self._groups):
            go = [i for i in wave if self._groups[i] not in self._stopped]
            if go:
                yield go

    def settle(self, position: int, outcome: MessageOutcome) -> None:
        """A retried message stops its group; a delivered or dead-lettered one lets it go on."""
        if outcome.outcome is Outcome.RETRY:
            self._stopped.add(self._groups[position])


def held(message: SqsMessage) -> MessageOutcome:
    """The outcome of a message retried unsent behind an earlier one of its group."""
    return MessageOutcome(message.message_id, Outcome.RETRY, 0, HELD)


def _waves(groups: Sequence[str | None]) -> list[list[int]]:
    """Positions by wave: wave k lists the k-th message of every group, in position order."""
    seen: dict[str | None, int] = {}
    waves: list[list[int]] = []
    for position, group in enumerate(groups):
        rank = seen.get(group, 0)
        seen[group] = rank + 1
        if rank == len(waves):
            waves.append([])
        waves[rank].append(position)
    return waves
