"""What every HTTP edge shares: one unit of work per request and the injectable clock.

The API and the web pages both take these from here, so neither edge imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pedmassage.db import unit_of_work


def get_db(request: Request) -> Iterator[Session]:
    """Commit when the handler returns normally; roll back on any error.

    The session is also left on ``request.state.unit_of_work`` for what must commit with the
    request's work once the answer exists (the answer kept for an ``Idempotency-Key``)."""
    engine: Engine = request.app.state.engine
    with unit_of_work(engine) as session:
        request.state.unit_of_work = session
        yield session


def get_now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


# scope="function": commit before the response is sent, so a 201 (or a redirect after a form
# post) means the data is stored.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]
NowDep = Annotated[datetime, Depends(get_now)]
