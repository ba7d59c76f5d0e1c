"""Password hashing: argon2id, constant work for unknown users, rehash on outdated parameters."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from bot.staff.passwords import (
    MIN_PASSWORD_LENGTH,
    check_new_password,
    default_hasher,
    hash_password,
    verify_password,
)

#: Cheap parameters, so that these tests stay fast; the default ones are checked separately.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


class CountingHasher(PasswordHasher):
    """Counts the hashes it checks."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        self.verified = 0

    def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
        self.verified += 1
        return super().verify(hash, password)


def test_hash_is_argon2id_salted_and_verifies():
    first = hash_password("correct horse battery", hasher=CHEAP)
    second = hash_password("correct horse battery", hasher=CHEAP)
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    assert "correct horse" not in first
    assert verify_password(first, "correct horse battery", hasher=CHEAP).ok
    assert not verify_password(first, "correct horse batterY", hasher=CHEAP).ok


def test_default_parameters_are_argon2_cffi_defaults():
    stored = hash_password("correct horse battery")
    assert "$argon2id$v=19$m=65536,t=3,p=4$" in stored
    assert default_hasher() is default_hasher()


def test_an_unknown_user_costs_a_hash_check_too():
    hasher = CountingHasher()
    verdict = verify_password(None, "whatever password", hasher=hasher)
    assert not verdict.ok and verdict.new_hash is None
    assert hasher.verified == 1


def test_a_corrupt_stored_hash_is_a_failure_not_a_crash():
    assert not verify_password("not-a-hash", "correct horse battery", hasher=CHEAP).ok
    assert not verify_password("", "correct horse battery", hasher=CHEAP).ok


def test_rehash_when_the_parameters_changed():
    old = hash_password("correct horse battery", hasher=CHEAP)
    current = PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1)
    verdict = verify_password(old, "correct horse battery", hasher=current)
    assert verdict.ok and verdict.new_hash is not None
    assert "t=2" in verdict.new_hash and current.verify(verdict.new_hash, "correct horse battery")
    assert verdict.new_hash not in repr(verdict)
    same = verify_password(verdict.new_hash, "correct horse battery", hasher=current)
    assert same.ok and same.new_hash is None
    wrong = verify_password(old, "wrong password here", hasher=current)
    assert not wrong.ok and wrong.new_hash is None


@pytest.mark.parametrize("password", ["", "short", "x" * (MIN_PASSWORD_LENGTH - 1), "x" * 1025])
def test_new_passwords_too_short_or_too_long_are_refused(password):
    with pytest.raises(ValueError, match="characters"):
        check_new_password(password)


def test_a_twelve_character_password_is_accepted():
    check_new_password("x" * MIN_PASSWORD_LENGTH)
