"""Example oneclass-bench plugin."""
