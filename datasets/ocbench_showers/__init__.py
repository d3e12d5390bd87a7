"""ocbench_showers: neutral showers in a GlueX FCAL-like lead-glass calorimeter."""
