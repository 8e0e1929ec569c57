"""I/O behind the core's ports: the Kafka producer, the Secrets Manager source, the SQS sender."""
