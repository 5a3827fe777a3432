"""`meditate plan` for people: the timeline as a table and as a picture (`plan --html`).
"""
