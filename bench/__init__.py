"""Benchmarks: cold start, AWS round trips per chat turn, and what a turn sends to the model.

Run with ``make bench`` or ``python -m bench``; see ``bench/README.md`` for what each number means.
"""
