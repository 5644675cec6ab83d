"""make bench: limits and platform measured in one run (see bench/run.py)."""
