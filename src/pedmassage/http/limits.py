"""The largest request body the app reads, refused before it is read.

A request that declares a larger ``Content-Length`` is answered 413 at once; one that streams more
than it declared (or declares nothing) is stopped when the limit is passed, and the 413 comes from
the edge's own error handler, in the edge's error shape. Nothing of such a request is stored.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = 413


class BodyTooLargeError(HTTPException):
    """The body passed the limit while it was being read."""

    def __init__(self, limit: int) -> None:
        super().__init__(TOO_LARGE, f"the request body is larger than {limit} bytes")


class BodyLimit:
    """A pure ASGI middleware; ``too_large`` answers a request whose declared size is too big."""

    def __init__(self, app: ASGIApp, max_bytes: int, too_large: ASGIApp) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self.too_large(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLargeError(self.max_bytes)
            return message

        await self.app(scope, counted, send)
