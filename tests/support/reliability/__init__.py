"""The reliability harness: the accounting of lost and duplicated messages, the fault proxy, the
handler in a process of its own, and the hostile SQS bodies."""
