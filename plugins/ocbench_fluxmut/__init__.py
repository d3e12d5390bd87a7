"""ocbench_fluxmut plugin."""
