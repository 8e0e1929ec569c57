"""Pure core of the forwarder: settings, validation, transform, outcomes, errors and ports.

Nothing in this package does I/O or reads the environment outside `core.settings`.
"""
