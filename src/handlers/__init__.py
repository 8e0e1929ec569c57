"""Entry points (the Lambda handler, the `forwarder` CLI) and the wiring of adapters into core."""
