"""ocbench_supervised plugin."""
