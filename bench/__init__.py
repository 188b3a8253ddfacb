"""Benchmarks: our figures next to a floor measured in the same run (ratios, not absolute times)."""
