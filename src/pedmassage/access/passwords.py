"""Password hashing (argon2id) and the password rules.

A password has at least 12 characters and is not one of the commonest passwords (a shipped list of
long ones people actually choose, ``common_passwords.txt``), nor a run of one character, nor a
plain sequence, nor the username itself: those fall to the first guesses an attacker tries.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pedmassage.errors import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 256
SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")


@cache
def _hasher() -> PasswordHasher:
    """argon2id with the library's current recommended parameters (RFC 9106, low memory)."""
    return PasswordHasher()


@cache
def common_passwords() -> frozenset[str]:
    text = files("pedmassage.access").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_password(password: str, username: str, field: str = "password") -> None:
    """Refuse a password an attacker would guess early, saying what is allowed."""
    allowed = f"{MIN_LENGTH} to {MAX_LENGTH} characters, not a common password or the username"
    folded = password.lower()
    too_plain = (
        len(set(folded)) == 1
        or any(folded in s or folded in s[::-1] for s in SEQUENCES)
        or folded in common_passwords()
        or username.lower() in folded
    )
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH or too_plain:
        raise ValidationError(field, "(not shown)", allowed)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches; a malformed stored hash never matches."""
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's, so a login can renew it."""
    return _hasher().check_needs_rehash(stored_hash)


def dummy_verify(password: str) -> None:
    """Spend the time of one verification, so an unknown username answers as slowly as a known
    one and timing does not reveal which usernames exist."""
    verify_password(_dummy_hash(), password)


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not a real password, only for timing")
