"""AWS clients give up before API Gateway does on the buffered routes (29 s)."""

from __future__ import annotations

from agent_core.aws import CONFIG

API_GATEWAY_SECONDS = 29


def test_every_attempt_and_every_pause_between_them_fit_in_api_gateways_29_seconds() -> None:
    attempts = CONFIG.retries["max_attempts"]
    # Standard mode waits rand(0, 1) * min(scale * 2**i, 20) seconds before retry i, the scale 1 s for
    # throttling (botocore retries/standard.py, ExponentialBackoff): at most this much in all.
    pauses = sum(min(2**i, 20) for i in range(attempts - 1))
    worst = attempts * (CONFIG.connect_timeout + CONFIG.read_timeout) + pauses

    assert CONFIG.retries["mode"] == "standard"
    assert worst < API_GATEWAY_SECONDS, f"a hung endpoint answers only after {worst} s"
