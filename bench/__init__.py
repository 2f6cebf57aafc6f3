"""Benchmarks: cold start, AWS round trips per chat turn, what a turn sends to the model, and the
real turn against a bare one.

Run with ``make bench`` or ``python -m bench``; see ``bench/README.md`` for what each number means.
"""
