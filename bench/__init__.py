"""Benchmarks at city scale (issue 9): the data generator, the load generator and `make bench`."""
