"""The ground every stage stands on: errors, units, audio values, the script model, atomic files, digests, images, languages, clean text, suggestions.

Nothing here imports any other package of `generator`.
"""
