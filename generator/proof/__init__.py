"""Proof-listening: hear a rendered track and list the sentences that did not come out as written.

A practitioner cannot listen to thirty personalised tracks; an offline recogniser can do
the first listening. Each sentence of the track's timeline is cut from the audio,
transcribed (:mod:`.transcribe`), and compared with the script **by sound**: both sides
are turned into the voice's own phonemes (:mod:`.phonemes`) and aligned
(:mod:`.compare`), so homophones ("complement"/"compliment"), names spelled another way
and split compounds ("finger tips") are not errors. What is left over is reported
(:mod:`.report`): the few sentences worth a listen, with their time in the track.

    from generator.proof import proof_track
    result = proof_track(Path("out/ana.mp3"), model="tiny.en")
    print(result.flagged)
"""

from __future__ import annotations

from generator.proof.proofing import THRESHOLD, SentenceProof, TrackProof, proof_track

__all__ = ["THRESHOLD", "SentenceProof", "TrackProof", "proof_track"]
