"""The `forwarder` command's tools for running the Lambda side outside Lambda: preview, invoke,
poll (a local event source mapping). Not part of the Lambda package."""
