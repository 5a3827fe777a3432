"""Mastering: the BS.1770 meter and true-peak limiter, the measuring pass, the one loudness gain.
"""
