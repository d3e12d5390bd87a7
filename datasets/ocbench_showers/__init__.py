"""ocbench_showers plugin."""
