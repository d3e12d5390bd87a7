"""ocbench_dijets plugin."""
