"""The mix, streamed block by block: the background bed with crossfades and ducking, the room's sends, every placed sound.
"""
