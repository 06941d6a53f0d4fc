"""Benchmarks: ``python -m benchmarks [build|weight|browser|quality|email ...]``.

They measure; they never fail a build. Results go to benchmarks/results/<name>.json,
each with the machine, the commit and the time of the run.
"""
