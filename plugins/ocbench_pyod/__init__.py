"""ocbench_pyod plugin."""
