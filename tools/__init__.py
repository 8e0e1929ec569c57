"""Project tools, run from the repository root as `python -m tools.<name>`: the main job
(`make run`), the pin audit (`make security`), the reliability summary (`make test-reliability`),
the package merge of the build (`make build`) and the Lambda runtime emulator (`make invoke`)."""
