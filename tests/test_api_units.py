"""Pure parts of the API clients: durations, waits, token estimates, batching, secrets, alignment.

Why: these decide how long a paid run waits, how it cuts requests and whether a key can leak; each
is checked against the real header and error formats the providers send.
"""

from __future__ import annotations

import pickle
import random
import traceback
from pathlib import Path

import pytest

from rerank_bench.errors import ConfigError
from rerank_bench.retrieval.api.batching import estimate_tokens, make_batches
from rerank_bench.retrieval.api.errors import ApiRequestError, ApiResponseError
from rerank_bench.retrieval.api.providers import PROVIDERS, get_provider
from rerank_bench.retrieval.api.ratelimit import (
    backoff_seconds,
    parse_duration,
    retry_after_seconds,
)
from rerank_bench.retrieval.api.secrets import REDACTED, ApiKey, redact, resolve_api_key

KEY = "sk-proj-Zq8vT3kLm9Xw2Rb7Yc4Hn6Jd1Fg5Ks0"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("1h2m3.5s", 3723.5),
        ("0.5", 0.5),
        ("7", 7.0),
        ("250us", 0.00025),
        ("1.5s", 1.5),
    ],
)
def test_parse_duration_reads_go_durations_and_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "5 s", "1s2", "s", "-"])
def test_parse_duration_rejects_what_is_not_a_duration(text: str) -> None:
    assert parse_duration(text) is None


def test_retry_after_prefers_the_explicit_header_over_rate_limit_resets() -> None:
    headers = {"Retry-After": "2", "x-ratelimit-reset-tokens": "6m0s"}
    assert retry_after_seconds(headers) == 2.0
    assert retry_after_seconds({"retry-after-ms": "150", "Retry-After": "2"}) == 0.15


def test_retry_after_takes_the_longest_rate_limit_reset() -> None:
    headers = {"x-ratelimit-reset-requests": "20ms", "x-ratelimit-reset-tokens": "1m30s"}
    assert retry_after_seconds(headers) == 90.0
    assert retry_after_seconds({"x-ratelimit-reset-requests": "1s"}) == 1.0
    assert retry_after_seconds({"content-type": "application/json"}) is None


def test_retry_after_reads_an_http_date() -> None:
    headers = {"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT"}
    assert retry_after_seconds(headers, now=1445412500.0) == pytest.approx(10.0)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(0)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (10, 30.0)]:
        for _ in range(20):
            wait = backoff_seconds(attempt, 0.5, 30.0, rng)
            assert ceiling / 2 <= wait <= ceiling
    waits = {round(backoff_seconds(3, 0.5, 30.0, rng), 6) for _ in range(20)}
    assert len(waits) > 10, "jitter must spread retries"


def test_token_estimate_is_generous_for_words_bytes_and_non_latin_scripts() -> None:
    assert estimate_tokens("") == 1
    assert estimate_tokens("the cat sat on the mat") >= 8  # 6 words ~ 6-8 BPE tokens
    assert estimate_tokens("x" * 400) >= 100
    assert estimate_tokens("日本語のテキスト" * 10) >= 60  # 80 characters, 240 bytes


def test_batches_respect_item_and_token_limits_and_keep_order() -> None:
    counts = [10, 10, 10, 50, 5, 5, 5, 200, 1]
    batches = make_batches(counts, max_items=3, max_tokens=60)
    assert [i for batch in batches for i in batch] == list(range(len(counts)))
    for batch in batches:
        assert len(batch) <= 3
        assert sum(counts[i] for i in batch) <= 60 or len(batch) == 1
    assert [7] in batches, "an input over the budget goes alone"
    assert make_batches([1] * 200, max_items=96) == [
        list(range(96)),
        list(range(96, 192)),
        list(range(192, 200)),
    ]
    with pytest.raises(ValueError, match="max_items"):
        make_batches([1], max_items=0)


def test_api_key_never_shows_itself() -> None:
    key = ApiKey(KEY, "env:OPENAI_API_KEY")
    for shown in (repr(key), str(key), f"{key}", repr([key]), repr({"k": key})):
        assert KEY not in shown
    assert key.reveal() == KEY
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(key)


def test_resolve_api_key_from_env_then_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RB_TEST_KEY", f"  {KEY}\n")
    assert resolve_api_key("RB_TEST_KEY", None, "openai").reveal() == KEY
    key_file = tmp_path / "key.txt"
    key_file.write_text(KEY + "\n")
    monkeypatch.delenv("RB_TEST_KEY")
    key = resolve_api_key("RB_TEST_KEY", str(key_file), "openai")
    assert key.reveal() == KEY and key.source == f"file:{key_file}"


def test_missing_key_names_the_variable_and_never_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RB_TEST_KEY", raising=False)
    with pytest.raises(ConfigError, match="RB_TEST_KEY") as info:
        resolve_api_key("RB_TEST_KEY", None, "cohere")
    assert "export RB_TEST_KEY" in str(info.value)
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_api_key(None, "/nonexistent/key.txt", "cohere")


@pytest.mark.parametrize(
    "echo",
    [
        f"Incorrect API key provided: {KEY}.",
        f"Incorrect API key provided: {KEY[:-6]}.",  # cut short
        f"key {KEY[5:]} is invalid",  # prefix lost
        "Incorrect API key provided: sk-proj-****************************Ks0.",  # masked echo
        f'{{"detail": "Provided API key {KEY} is invalid."}}',
    ],
)
def test_redact_removes_full_partial_and_masked_echoes(echo: str) -> None:
    cleaned = redact(echo, [KEY])
    assert REDACTED in cleaned
    assert KEY not in cleaned and KEY[8:20] not in cleaned
    assert "Ks0" not in cleaned or "****" not in cleaned


def test_redact_keeps_ordinary_messages() -> None:
    message = "Requested 400000 tokens, max 300000 tokens per request"
    assert redact(message, [KEY]) == message


def test_request_error_carries_the_provider_message_and_a_fix() -> None:
    error = ApiRequestError("openai", 401, "Incorrect API key provided: [REDACTED].", "check it")
    text = "".join(traceback.format_exception(error))
    assert "HTTP 401" in text and "Incorrect API key provided" in text and "Fix: check it" in text


@pytest.mark.parametrize(
    ("provider", "message"),
    [
        ("openai", "Requested 400000 tokens, max 300000 tokens per request"),
        (
            "voyage",
            "Request to model 'voyage-3' failed. The max allowed tokens per submitted batch is "
            "120000. Your batch has 130000 tokens after truncation. Please lower the number of "
            "tokens in the batch.",
        ),
        ("cohere", "too many tokens: the request has 9000 tokens, the limit is 8000"),
        (
            "openai",
            "This model's maximum context length is 8192 tokens, however you requested 9000",
        ),
    ],
)
def test_too_large_is_recognised_in_each_providers_words(provider: str, message: str) -> None:
    assert PROVIDERS[provider].is_too_large(400, message)
    assert PROVIDERS[provider].is_too_large(413, "")
    assert not PROVIDERS[provider].is_too_large(400, "invalid model name 'x'")
    assert not PROVIDERS[provider].is_too_large(401, message)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"error": {"message": "bad model", "type": "x"}}', "bad model"),
        (
            '{"id": "1", "message": "invalid request: texts is empty"}',
            "invalid request: texts is empty",
        ),
        ('{"detail": "Provided API key is invalid."}', "Provided API key is invalid."),
        ("<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
    ],
)
def test_error_message_reads_each_providers_error_format(body: str, expected: str) -> None:
    assert PROVIDERS["openai"].error_message(body) == expected


def test_alignment_rejects_missing_duplicate_and_out_of_range_indices() -> None:
    openai = get_provider("openai")
    good = {"data": [{"index": 1, "embedding": [0.0, 1.0]}, {"index": 0, "embedding": [1.0, 0.0]}]}
    vectors, usage = openai.parse_embed(good, 2, "float")
    assert vectors == [[1.0, 0.0], [0.0, 1.0]] and usage.tokens is None
    bad_cases = [
        {"data": [{"index": 0, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": [1.0]}, {"index": 2, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": [1.0]}, {"index": True, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": []}]},
        {"object": "list"},
    ]
    for payload in bad_cases:
        with pytest.raises(ApiResponseError):
            openai.parse_embed(payload, 2, "float")
    with pytest.raises(ApiResponseError, match="sent 3 texts but received 2"):
        get_provider("cohere").parse_embed({"embeddings": {"float": [[1.0], [2.0]]}}, 3, "float")


def test_unknown_provider_and_unsupported_settings_fail_as_config_errors() -> None:
    with pytest.raises(ConfigError, match="choose one of"):
        get_provider("anthropic")
    with pytest.raises(ConfigError, match="truncation"):
        get_provider("openai").truncation("END")
    with pytest.raises(ConfigError, match="dtype"):
        get_provider("openai").check_dtype("int8")
    with pytest.raises(ConfigError, match="no rerank endpoint"):
        get_provider("openai").rerank_body("m", "q", ["d"], "none")
