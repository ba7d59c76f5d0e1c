"""Token buckets of the channels' rate limits, on a clock the test moves (no waiting)."""
from __future__ import annotations

import pytest

from bot.i18n.catalog import load_catalog, supported_languages
from integrations.channels.limits import Buckets, RateLimiter, client_address
from integrations.channels.replies import slow_down_text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_one_more_waits_for_the_refill():
    clock = Clock()
    buckets = Buckets(capacity=10, per_second=0.5, clock=clock)
    assert [buckets.take("c") for _ in range(10)] == [0.0] * 10
    assert buckets.take("c") == pytest.approx(2.0)  # 30 a minute: one every two seconds
    assert buckets.take("other") == 0.0  # other keys are not affected
    clock.now += 2.0
    assert buckets.take("c") == 0.0
    assert buckets.take("c") > 0


def test_idle_buckets_are_dropped_and_memory_is_bounded():
    clock = Clock()
    buckets = Buckets(capacity=2, per_second=1.0, max_keys=3, clock=clock)
    for key in "abcde":
        buckets.take(key)
    assert len(buckets) == 3  # the least recently used went first
    clock.now += 2.0  # every bucket is full again: as good as new
    buckets.take("z")
    assert len(buckets) == 1


def test_the_client_limit_counts_across_conversations():
    clock = Clock()
    limiter = RateLimiter(conversation_per_minute=30, conversation_burst=10, client_per_minute=3, clock=clock)
    verdicts = [limiter.check(conversation=f"c{i}", client="203.0.113.7") for i in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].limit == "client" and verdicts[-1].retry_after == 20
    assert limiter.check(conversation="c9", client="198.51.100.1").allowed


def test_the_conversation_limit_and_zero_switching_a_limit_off():
    clock = Clock()
    limiter = RateLimiter(conversation_per_minute=30, conversation_burst=2, client_per_minute=0, clock=clock)
    assert [limiter.check(conversation="c", client="a").allowed for _ in range(3)] == [True, True, False]
    unlimited = RateLimiter(conversation_per_minute=0, conversation_burst=1, client_per_minute=0, clock=clock)
    assert all(unlimited.check(conversation="c", client="a").allowed for _ in range(1000))


def test_forwarded_for_counts_only_from_a_trusted_proxy():
    proxies = ("10.0.0.2", "10.0.0.3")
    assert client_address("198.51.100.9", "203.0.113.7", proxies) == "198.51.100.9"  # not a proxy: ignored
    assert client_address("10.0.0.2", "203.0.113.7", proxies) == "203.0.113.7"
    # The client may write anything on the left; the right-most address not a proxy is the client.
    assert client_address("10.0.0.2", "1.2.3.4, 203.0.113.7, 10.0.0.3", proxies) == "203.0.113.7"
    assert client_address("10.0.0.2", None, proxies) == "10.0.0.2"
    assert client_address(None, "1.2.3.4", proxies) is None


def test_the_slow_down_reply_exists_in_every_language_and_is_not_english_elsewhere():
    english = slow_down_text("en")
    for language in supported_languages():
        assert set(load_catalog(language).channel) == set(load_catalog("en").channel), language
        text = slow_down_text(language)
        assert text and (language == "en" or text != english), language
    assert slow_down_text("xx") == english
