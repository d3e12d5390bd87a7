"""ocbench_tabular plugin."""
