"""In-memory implementations of core's ports, type-checked against them."""
