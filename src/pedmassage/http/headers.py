"""Security headers on every response.

A Content-Security-Policy that allows no inline script and no framing, nosniff, a strict
Referrer-Policy, and ``Cache-Control: no-store`` on everything but the public stylesheet: a page or
answer about a child must never be kept by a shared computer's browser or a proxy.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CACHEABLE_PREFIXES = ("/static/", "/api/docs/")
"""The stylesheet and the API documentation's viewer (served by the app itself, no CDN): public
files with no one's data, kept by the browser rather than downloaded on every visit."""


class SecurityHeaders:
    """A pure ASGI middleware, so it adds nothing to the cost of streaming responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in headers_for(path).items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def headers_for(path: str) -> dict[str, str]:
    found = {
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "same-origin",
        "strict-transport-security": "max-age=31536000",
    }
    if not path.startswith(CACHEABLE_PREFIXES):
        found["cache-control"] = "no-store"
    return found
