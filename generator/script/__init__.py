"""Reading a script's YAML: nodes with their positions and plain-words syntax hints, narration split into sentences and gaps, breathing patterns, the bounds every script is held to, sound files' claimed lengths, rosters.
"""
