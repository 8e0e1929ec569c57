"""Test support code: fakes of core's ports, builders of settings, events and deployments, the
CloudFormation renderer, and the reliability harness. Tests import from here, never from a test
module or a conftest file (tests/unit/test_layout.py checks it)."""
