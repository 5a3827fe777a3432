"""One track per roster row, in worker processes, skipping rows that are up to date.
"""
