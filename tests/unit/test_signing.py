"""Unit tests of bot.delivery.signing: webhook signatures and accept / decline link tokens."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.delivery import LinkClaim, sign_link, sign_webhook, verify_link, verify_webhook

SECRET = "whsec-0123456789abcdef"
BODY = b'{"event":"inquiry.routed","delivery_id":"d1"}'
NOW = 1_700_000_000


def test_webhook_header_format_matches_the_issue():
    header = sign_webhook(BODY, SECRET, NOW)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"


def test_webhook_round_trip():
    header = sign_webhook(BODY, SECRET, NOW)
    assert verify_webhook(BODY, header, SECRET, now=NOW)
    assert verify_webhook(BODY, header, SECRET, now=NOW + 299)
    assert verify_webhook(BODY, header, SECRET, now=NOW - 299)  # receiver's clock slightly behind


@pytest.mark.parametrize(
    "body",
    [BODY + b" ", BODY.replace(b"d1", b"d2"), b"", BODY[:-1]],
)
def test_webhook_tampered_body(body):
    assert not verify_webhook(body, sign_webhook(BODY, SECRET, NOW), SECRET, now=NOW)


def test_webhook_wrong_secret():
    assert not verify_webhook(BODY, sign_webhook(BODY, SECRET, NOW), SECRET + "x", now=NOW)


def test_webhook_timestamp_is_covered_by_the_signature():
    header = sign_webhook(BODY, SECRET, NOW)
    forged = header.replace(f"t={NOW}", f"t={NOW + 10}")
    assert not verify_webhook(BODY, forged, SECRET, now=NOW + 10)


def test_webhook_stale_and_future_timestamps():
    header = sign_webhook(BODY, SECRET, NOW)
    assert not verify_webhook(BODY, header, SECRET, now=NOW + 301)
    assert not verify_webhook(BODY, header, SECRET, now=NOW - 301)
    assert verify_webhook(BODY, header, SECRET, now=NOW + 3000, tolerance=3600)


@pytest.mark.parametrize(
    "header",
    ["", "garbage", f"t={NOW}", "v1=abc", "t=abc,v1=00", f"t={NOW},t={NOW},v1=00", f"t=-{NOW},v1=00", f"t={NOW}v1"],
)
def test_webhook_malformed_headers(header):
    assert not verify_webhook(BODY, header, SECRET, now=NOW)


def test_webhook_accepts_any_of_several_signatures():
    valid = sign_webhook(BODY, SECRET, NOW)
    other = sign_webhook(BODY, "another-secret-0123456", NOW).split(",")[1]
    assert verify_webhook(BODY, f"{valid},{other}", SECRET, now=NOW)
    assert verify_webhook(BODY, f"t={NOW},{other},{valid.split(',')[1]}", SECRET, now=NOW)
    assert not verify_webhook(BODY, f"t={NOW},{other}", SECRET, now=NOW)


def test_webhook_signature_of_unicode_body():
    body = '{"name":"Musée d’Orsay ✓"}'.encode()
    assert verify_webhook(body, sign_webhook(body, SECRET, NOW), SECRET, now=NOW)


# -- links ---------------------------------------------------------------------------------


def test_link_round_trip():
    token = sign_link("tok_AbC-123", "accept", NOW + 3600, SECRET)
    assert token.startswith(f"tok_AbC-123.accept.{NOW + 3600}.")
    assert len(token.rsplit(".", 1)[1]) == 22
    assert all(c.isalnum() or c in "-_." for c in token)  # URL-safe as is
    assert verify_link(token, SECRET, now=NOW) == LinkClaim(token_id="tok_AbC-123", action="accept", expires_at=NOW + 3600)


def test_link_expiry():
    token = sign_link("t1", "decline", NOW + 60, SECRET)
    assert verify_link(token, SECRET, now=NOW + 59) is not None
    assert verify_link(token, SECRET, now=NOW + 60) is None
    assert verify_link(token, SECRET, now=NOW + 10_000) is None


def test_link_tampering():
    token = sign_link("t1", "decline", NOW + 60, SECRET)
    token_id, action, expires, signature = token.split(".")
    assert verify_link(f"{token_id}.accept.{expires}.{signature}", SECRET, now=NOW) is None
    assert verify_link(f"t2.{action}.{expires}.{signature}", SECRET, now=NOW) is None
    assert verify_link(f"{token_id}.{action}.{int(expires) + 999}.{signature}", SECRET, now=NOW) is None
    assert verify_link(f"{token_id}.{action}.0{expires}.{signature}", SECRET, now=NOW) is None
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert verify_link(f"{token_id}.{action}.{expires}.{flipped}", SECRET, now=NOW) is None
    assert verify_link(token, SECRET + "x", now=NOW) is None


@pytest.mark.parametrize(
    "token",
    ["", "a.b.c", "a.b.c.d.e", "a.accept.notanumber.sig", "a.accept.-5.sig", "a.acc ept.5.sig", "a.accept.².sig"],
)
def test_link_malformed(token):
    assert verify_link(token, SECRET, now=NOW) is None


@pytest.mark.parametrize(("token_id", "action"), [("a.b", "accept"), ("t1", "ac.cept"), ("", "accept"), ("t1", ""), ("t 1", "x")])
def test_sign_link_rejects_unsafe_parts(token_id, action):
    with pytest.raises(ValueError):
        sign_link(token_id, action, NOW, SECRET)



# -- Standard Webhooks (https://www.standardwebhooks.com) ---------------------------------------
from standardwebhooks import Webhook, WebhookVerificationError  # noqa: E402

from bot.delivery.signing import standard_webhook_headers, verify_standard_webhook  # noqa: E402

#: The specification's own example (secret, message id, timestamp, body and signature).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_BODY = b'{"test": 2432232314}'


def test_the_specifications_example_signature():
    headers = standard_webhook_headers(message_id="msg_p5jXN8AQM9LWM0D4loKWxJek", body=SPEC_BODY,
                                       secret=SPEC_SECRET, timestamp=1614265330)
    assert headers == {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
                       "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}


def test_the_official_library_verifies_what_we_sign():
    import time

    now = int(time.time())
    body = b'{"event":"inquiry.routed","inquiry":{"reference":"WMP-TEST1234"}}'
    headers = standard_webhook_headers(message_id="d-123", body=body, secret=SPEC_SECRET, timestamp=now)
    assert Webhook(SPEC_SECRET).verify(body, headers) == {"event": "inquiry.routed",
                                                          "inquiry": {"reference": "WMP-TEST1234"}}
    assert verify_standard_webhook(body, {k.upper(): v for k, v in headers.items()}, SPEC_SECRET, now=now)
    with pytest.raises(WebhookVerificationError):
        Webhook(SPEC_SECRET).verify(body + b" ", headers)
    assert not verify_standard_webhook(body + b" ", headers, SPEC_SECRET, now=now)
    assert not verify_standard_webhook(body, headers, "whsec_" + "A" * 32, now=now)
    assert not verify_standard_webhook(body, headers, SPEC_SECRET, now=now + 3600)  # too old
    rotated = {**headers, "webhook-signature": "v1,bm90LXRoaXMtb25l " + headers["webhook-signature"]}
    assert verify_standard_webhook(body, rotated, SPEC_SECRET, now=now)
