"""Claim an ``Idempotency-Key`` with the write it guards, and keep the answer for retries.

A tablet on hospital Wi-Fi sends a session, the answer is lost, and it sends again. The first
request claimed its key in the same transaction as the session; the retry finds the claim and gets
the first answer back, and nothing is stored twice. A key is its sender's own (two people may use
the same key), and reusing a key for a different request is refused rather than guessed at.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pedmassage.errors import ConflictError, PedmassageError, ValidationError
from pedmassage.idempotency.models import IdempotencyKey

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")
"""1 to 128 visible ASCII characters: a UUID, a ULID or any client's own scheme fits."""

KEPT_HEADERS = ("content-type", "location", "etag")
"""What a replayed answer needs besides its body: how to read it and where the record is."""


@dataclass(frozen=True)
class Answer:
    """An answer as first given: status, body and the headers worth repeating."""

    status: int
    body: bytes
    headers: dict[str, str]


class ReplayedAnswerError(PedmassageError):
    """Not a failure: the request was done before, and this is its first answer again."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(f"replayed answer {answer.status}")
        self.answer = answer


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """What makes two requests the same request."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def checked_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise ValidationError(
            "Idempotency-Key", key[:40], "1 to 128 visible ASCII characters, e.g. a UUID"
        )
    return key


def claim(db: Session, *, actor: str, key: str, fingerprint: str, now: datetime) -> str:
    """Claim ``key`` for this request in the caller's transaction; returns the claim's id.

    Raises :class:`ReplayedAnswerError` with the first answer when the key was used for this very
    request before, a 422 when it was used for another request, and a 409 when the first request
    is still being stored (or its answer was lost in a restart).
    """
    found = _claimed(db, actor, checked_key(key))
    if found is None:
        row = IdempotencyKey(actor=actor, key=key, fingerprint=fingerprint, claimed_at=now)
        try:
            with db.begin_nested():  # a twin sent at the same moment waits here, then loses
                db.add(row)
        except IntegrityError:
            found = _claimed(db, actor, key)
        else:
            return row.id
    assert found is not None
    if found.fingerprint != fingerprint:
        raise ValidationError(
            "Idempotency-Key", key[:40], "a new key: this one was used for a different request"
        )
    if found.status is None or found.body is None:
        raise ConflictError(
            "a request with this Idempotency-Key was stored but its answer is not kept (it is "
            "still being stored, or the server restarted); read the record before sending again",
            field="Idempotency-Key",
        )
    raise ReplayedAnswerError(Answer(found.status, found.body, dict(found.headers or {})))


def keep_answer(db: Session, claim_id: str, answer: Answer) -> None:
    """Keep the first answer beside its key, for every retry to get back."""
    row = db.get(IdempotencyKey, claim_id)
    if row is not None:
        row.status, row.body, row.headers = answer.status, answer.body, answer.headers


def release(db: Session, claim_id: str) -> None:
    """Free the key of a request that was refused without an error (a form shown again with its
    mistakes): the corrected request may use it."""
    row = db.get(IdempotencyKey, claim_id)
    if row is not None:
        db.delete(row)


def kept_headers(headers: Any) -> dict[str, str]:
    return {name: headers[name] for name in KEPT_HEADERS if name in headers}


def _claimed(db: Session, actor: str, key: str) -> IdempotencyKey | None:
    query = select(IdempotencyKey).where(IdempotencyKey.actor == actor, IdempotencyKey.key == key)
    return db.scalars(query).first()
