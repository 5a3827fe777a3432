"""Planning in exact samples: sound lengths, `fill`, sections, and the `Timeline` every later stage reads.
"""
