"""Benchmarks: each script prints figures and ratios; `make bench` runs them all."""
