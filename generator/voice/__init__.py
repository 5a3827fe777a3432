"""Speech: the engines table and its engines (Piper, gTTS, recorded takes, a fake for tests), the content-addressed speech cache, the voice chain, phrasing, pronunciations, installed voices, and the bank of utterances one render speaks.
"""
