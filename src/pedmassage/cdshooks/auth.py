"""Trusting CDS clients: the JWT an EHR signs for every hook call, checked as the spec asks.

The spec ("Trusting CDS Clients") has the EHR sign a short-lived JWT with its private key and
send it as ``Authorization: Bearer <JWT>``. It is trusted here only when all of these hold:

* its issuer (``iss``) is one the operator configured (``Settings.cds_issuers``): a service that
  trusted any issuer presenting its own keys would trust anyone;
* its header names an asymmetric algorithm this service accepts (ES384 or RS384, the spec's
  recommended pair; never ``none`` nor an HMAC, which the spec forbids) and a ``kid`` found in
  that issuer's JWK Set, read from the configured URL or file. A ``jku`` header is accepted only
  when it is exactly the configured URL: a token must never choose where its own key comes from;
* its signature verifies with that key, and its key's own ``alg`` (when the JWK names one) is the
  header's;
* its ``aud`` is the URL of the endpoint called (the spec: ``{base}/cds-services/{id}``);
* it carries ``exp``, ``iat`` and ``jti``; it has not expired and was not issued in the future
  (both against the app's clock, with :data:`LEEWAY` for clocks that differ a little); and its
  ``jti`` has not been seen before from that issuer (the spec's replay protection; remembered in
  this process until the token expires, so several server processes each keep their own).

Anything else is :class:`UntrustedCallError`, whose message says what was wrong without echoing
the token. JWK Sets are kept for :data:`JWKS_TTL`; a ``kid`` not in the kept set fetches the set
again (at most every :data:`REFETCH_AFTER`) so an EHR can rotate keys without a restart.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt

ALGORITHMS = ("ES384", "RS384")
LEEWAY = 30
"""Seconds of clock difference forgiven on ``exp`` and ``iat``."""
JWKS_TTL = 300.0
"""Seconds a fetched JWK Set is used before it is fetched again."""
REFETCH_AFTER = 10.0
"""A set is fetched again for an unknown ``kid`` only when it is older than this."""
MAX_JWKS_BYTES = 1_048_576
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti"]
MAX_REMEMBERED_JTI = 100_000


class UntrustedCallError(Exception):
    """The call did not prove it comes from a trusted EHR: answered 401."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Caller:
    """The EHR a verified JWT speaks for."""

    issuer: str
    jti: str
    tenant: str | None = None


def secure_url(url: str) -> bool:
    """An ``https`` URL, or ``http`` to this machine only (a test EHR on the loopback)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def is_url(location: str) -> bool:
    return location.startswith(("https://", "http://"))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are not followed: a redirect could lead a JWK Set fetch to a URL nobody
    configured, or carry a FHIR token to another host (urllib forwards the header)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirects)
"""The one way out for the CDS services: plain urllib without redirects."""


def fetch_json(url: str, timeout: float) -> Any:
    """GET a JSON document (a JWK Set) over HTTPS, size-limited, within ``timeout`` seconds."""
    if not secure_url(url):
        raise UntrustedCallError(f"the JWK Set URL {url} is not https")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with OPENER.open(request, timeout=timeout) as response:
            body = response.read(MAX_JWKS_BYTES + 1)
    except OSError as exc:
        raise UntrustedCallError(f"the issuer's JWK Set could not be fetched: {exc}") from None
    if len(body) > MAX_JWKS_BYTES:
        raise UntrustedCallError("the issuer's JWK Set is too large")
    try:
        return json.loads(body)
    except ValueError:
        raise UntrustedCallError("the issuer's JWK Set is not JSON") from None


class JwksCache:
    """Each issuer's JWK Set by ``kid``, kept for :data:`JWKS_TTL` seconds."""

    def __init__(
        self,
        *,
        timeout: float,
        fetch: Callable[[str, float], Any] = fetch_json,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout = timeout
        self._fetch = fetch
        self._clock = clock
        self._kept: dict[str, tuple[float, dict[str, dict[str, Any]]]] = {}
        self._built: dict[tuple[str, str, str], jwt.PyJWK] = {}
        self._lock = threading.Lock()

    def key(self, location: str, kid: str, algorithm: str) -> jwt.PyJWK:
        """The key ``kid`` of the set at ``location``, for ``algorithm``; the set is fetched
        again once when ``kid`` is not in it."""
        with self._lock:
            kept = self._kept.get(location)
        now = self._clock()
        if kept is None or now - kept[0] > JWKS_TTL:
            kept = self._load(location)
        if kid not in kept[1] and now - kept[0] > REFETCH_AFTER:
            kept = self._load(location)
        jwk = kept[1].get(kid)
        if jwk is None:
            raise UntrustedCallError(f"the key {kid!r} is not in the issuer's JWK Set")
        with self._lock:
            built = self._built.get((location, kid, algorithm))
        if built is None:
            built = _key(jwk, algorithm)
            with self._lock:
                self._built[(location, kid, algorithm)] = built
        return built

    def _load(self, location: str) -> tuple[float, dict[str, dict[str, Any]]]:
        raw = self._fetch(location, self.timeout) if is_url(location) else _read(location)
        kept = (self._clock(), _keys(raw))
        with self._lock:
            self._kept[location] = kept
            self._built = {k: v for k, v in self._built.items() if k[0] != location}
        return kept


def _read(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UntrustedCallError(f"the issuer's JWK Set file could not be read: {exc}") from None


def _keys(raw: Any) -> dict[str, dict[str, Any]]:
    """The signing keys of a JWK Set by ``kid``; a key without a ``kid`` cannot be chosen."""
    entries = raw.get("keys") if isinstance(raw, Mapping) else None
    if not isinstance(entries, list):
        raise UntrustedCallError("the issuer's JWK Set has no keys")
    return {
        entry["kid"]: dict(entry)
        for entry in entries
        if isinstance(entry, Mapping)
        and isinstance(entry.get("kid"), str)
        and entry.get("use", "sig") == "sig"
    }


def _key(jwk: Mapping[str, Any], algorithm: str) -> jwt.PyJWK:
    """The JWK as a key for ``algorithm``: a JWK that names another algorithm, or whose type
    cannot sign with it (an RSA key for ES384), is refused."""
    named = jwk.get("alg")
    if named is not None and named != algorithm:
        raise UntrustedCallError("the key named by kid is not for the JWT's algorithm")
    try:
        return jwt.PyJWK(dict(jwk), algorithm=algorithm)
    except jwt.PyJWTError:
        raise UntrustedCallError("the key named by kid cannot verify this JWT") from None


class SeenTokens:
    """The ``jti`` of every accepted token, per issuer, until the token expires."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def first_use(self, issuer: str, jti: str, expires: float, now: float) -> bool:
        with self._lock:
            if len(self._seen) >= MAX_REMEMBERED_JTI:
                self._seen = {k: exp for k, exp in self._seen.items() if exp + LEEWAY >= now}
            key = (issuer, jti)
            if key in self._seen:
                return False
            self._seen[key] = expires
            return True


class ClientVerifier:
    """Checks the JWT of each CDS call against the configured issuers."""

    def __init__(
        self,
        issuers: Mapping[str, str],
        *,
        cache: JwksCache,
        seen: SeenTokens | None = None,
    ) -> None:
        self.issuers = dict(issuers)
        self.cache = cache
        self.seen = seen or SeenTokens()

    def verify(self, authorization: str | None, *, audiences: list[str], now: datetime) -> Caller:
        """The caller a valid ``Authorization: Bearer <JWT>`` speaks for.

        ``audiences`` are the URLs the token's ``aud`` may name (the endpoint called).
        """
        token = bearer(authorization)
        if not self.issuers:
            raise UntrustedCallError(
                "no CDS client is trusted: this pedmassage site has no CDS issuers configured "
                "(PEDMASSAGE_CDS_ISSUERS), so every call is refused"
            )
        header, issuer = _unverified(token)
        location = self.issuers.get(issuer)
        if location is None:
            raise UntrustedCallError(f"the issuer {issuer!r} is not trusted here")
        jku = header.get("jku")
        if jku is not None and jku != location:
            raise UntrustedCallError("the jku header is not the JWK Set URL configured for it")
        key = self.cache.key(location, header["kid"], header["alg"])
        claims = _decode(token, key, header["alg"], issuer, audiences)
        return self._admit(claims, now)

    def _admit(self, claims: Mapping[str, Any], now: datetime) -> Caller:
        moment = now.timestamp()
        expires, issued = claims["exp"], claims["iat"]
        if not isinstance(expires, int | float) or not isinstance(issued, int | float):
            raise UntrustedCallError("exp and iat must be numbers")
        if expires + LEEWAY <= moment:
            raise UntrustedCallError("the token has expired")
        if issued - LEEWAY > moment:
            raise UntrustedCallError("the token was issued in the future")
        jti, issuer = claims["jti"], claims["iss"]
        if not isinstance(jti, str) or not jti:
            raise UntrustedCallError("jti must be a non-empty string")
        if not self.seen.first_use(issuer, jti, float(expires), moment):
            raise UntrustedCallError("this token was used before (jti seen already)")
        tenant = claims.get("tenant")
        return Caller(issuer=issuer, jti=jti, tenant=tenant if isinstance(tenant, str) else None)


def bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UntrustedCallError(
            "no JWT: a CDS call must carry Authorization: Bearer <JWT> signed by a trusted EHR"
        )
    return token.strip()


def _unverified(token: str) -> tuple[dict[str, Any], str]:
    """The header and the claimed issuer, read before any key is chosen (and checked below)."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise UntrustedCallError("the bearer token is not a JWT") from None
    if header.get("alg") not in ALGORITHMS:
        raise UntrustedCallError(f"the JWT algorithm must be one of {', '.join(ALGORITHMS)}")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise UntrustedCallError("the JWT header has no kid")
    if header.get("typ", "JWT") != "JWT":
        raise UntrustedCallError("the JWT header's typ must be JWT")
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise UntrustedCallError("the JWT has no issuer (iss)")
    return header, issuer


def _decode(
    token: str, key: jwt.PyJWK, algorithm: str, issuer: str, audiences: list[str]
) -> dict[str, Any]:
    """The claims, once the signature, the issuer and the audience are verified.

    ``exp`` and ``iat`` are checked by :meth:`ClientVerifier._admit` against the app's clock, not
    here against the machine's.
    """
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=audiences,
            issuer=issuer,
            options={
                "require": REQUIRED_CLAIMS,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidAudienceError:
        raise UntrustedCallError(f"the JWT's aud is not this endpoint ({audiences[0]})") from None
    except jwt.MissingRequiredClaimError as exc:
        raise UntrustedCallError(f"the JWT has no {exc.claim} claim") from None
    except jwt.InvalidSignatureError:
        raise UntrustedCallError("the JWT's signature does not verify") from None
    except jwt.PyJWTError as exc:
        raise UntrustedCallError(f"the JWT is not valid: {exc}") from None
