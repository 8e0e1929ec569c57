"""Entry points: the Lambda handler and its composition root; `handlers.local`, the CLI tools."""
