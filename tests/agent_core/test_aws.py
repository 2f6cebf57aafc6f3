"""AWS clients give up before API Gateway does on the buffered routes (29 s)."""

from __future__ import annotations

from agent_core.aws import ATTEMPTS, CONFIG, CONNECT_SECONDS, READ_SECONDS, WORST_CASE_SECONDS

API_GATEWAY_SECONDS = 29


def test_every_attempt_and_every_pause_between_them_fit_in_api_gateways_29_seconds() -> None:
    settings = vars(CONFIG)
    assert (settings["connect_timeout"], settings["read_timeout"]) == (CONNECT_SECONDS, READ_SECONDS)
    assert settings["retries"] == {"mode": "standard", "total_max_attempts": ATTEMPTS}  # the first try too
    attempts = ATTEMPTS
    # Standard mode waits rand(0, 1) * min(scale * 2**i, 20) seconds before retry i, the scale 1 s for
    # throttling (botocore retries/standard.py, ExponentialBackoff): at most this much in all.
    pauses = sum(min(2**i, 20) for i in range(attempts - 1))
    worst = attempts * (CONNECT_SECONDS + READ_SECONDS) + pauses

    assert worst < API_GATEWAY_SECONDS, f"a hung endpoint answers only after {worst} s"


def test_the_worst_case_of_a_call_counts_a_servers_retry_after_too() -> None:
    # botocore (1.44) honours x-amz-retry-after: a pause may last up to 5 s longer than its backoff
    # (botocore/retries/standard.py, ExponentialBackoff.delay_amount). The chat function's timeout is
    # sized with this number (tests/deploy/test_template.py).
    pauses = sum(min(2**i, 20) + 5 for i in range(ATTEMPTS - 1))

    assert WORST_CASE_SECONDS == ATTEMPTS * (CONNECT_SECONDS + READ_SECONDS) + pauses == 34
