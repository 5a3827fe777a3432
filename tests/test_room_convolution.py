"""The room's answer is convolved chunk by chunk: the same as one long convolution (to
float32 rounding), whatever the sound's length against the chunks, and cut where asked."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import fftconvolve

from generator.mix.room import CHUNK, SIZES, convolve, impulse_response


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("n", [1, 1000, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
def test_the_chunked_answer_is_one_long_convolution(size, n):
    send = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    response = impulse_response(size)
    whole = np.stack([fftconvolve(send.astype(np.float64), response[:, c].astype(np.float64)) for c in (0, 1)], axis=1)
    got = convolve(send, size, 44_100, whole.shape[0])
    assert got.dtype == np.float32 and got.shape == whole.shape
    # scipy's oaconvolve in float32, which this replaces, was 3.2e-7 of the peak off.
    assert np.max(np.abs(got - whole)) <= 1e-6 * np.max(np.abs(whole))


def test_the_answer_is_cut_at_its_length():
    send = np.random.default_rng(0).standard_normal(2 * CHUNK + 5).astype(np.float32)
    full = convolve(send, "medium", 44_100, send.shape[0] + impulse_response("medium").shape[0] - 1)
    short = convolve(send, "medium", 44_100, CHUNK + 100)
    np.testing.assert_allclose(short, full[: CHUNK + 100], rtol=0, atol=1e-6 * np.max(np.abs(full)))
