"""A plugin whose import fails (for the harness tests)."""
