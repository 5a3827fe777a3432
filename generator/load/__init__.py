"""The loader: a script's YAML into a validated `Session`, every problem reported with its place; settings (voice, background), the `pronounce:` and `room:` keys, takes, the up-front length check.
"""
