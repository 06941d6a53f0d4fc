"""Generators: small model runs whose metrics and charts the lecture pages show.

``python -m generators --list`` shows them; ``plan`` decides what is stale without
importing any generator, and ``runner`` runs and writes them.
"""
