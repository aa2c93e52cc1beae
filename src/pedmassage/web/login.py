"""Logging in and out of the web app.

A login sets a server-side session in an HttpOnly, SameSite=Lax cookie (Secure when the app is
served over HTTPS). A failed login says only that it failed, or to wait after too many; the audit
keeps who tried, from where, and why it failed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from pedmassage.access.logins import log_in, log_out
from pedmassage.http import NowDep, SessionDep, allow
from pedmassage.http.actor import SESSION_COOKIE, client_address
from pedmassage.web.forms import FormDep
from pedmassage.web.login_audit import record_login
from pedmassage.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/login", dependencies=[allow("public.read")])
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _local(next), "failed": ""})


@router.post("/login", dependencies=[allow("public.read")])
def login(request: Request, form: FormDep, db: SessionDep, now: NowDep) -> Response:
    username = form.text("username").strip().lower()
    result = log_in(
        db=db,
        username=username,
        password=form.text("password"),
        address=client_address(request),
        now=now,
    )
    record_login(request, db, username, result, now)
    if result.key is None or result.user is None:
        failed = (
            "Too many failed logins: wait 15 minutes."
            if result.throttled
            else ("The username or password is not right.")
        )
        context = {"next": _local(form.text("next")), "failed": failed, "username": username}
        return render(request, "login.html", context, status_code=401)
    landings = {"guardian": "/home", "researcher": "/research"}
    landing = landings.get(result.user.role) or _local(form.text("next"))
    answer = RedirectResponse(landing, status_code=303)
    answer.set_cookie(
        SESSION_COOKIE,
        result.key,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return answer


@router.post("/logout", dependencies=[allow("account.logout")])
def logout(request: Request, db: SessionDep, now: NowDep) -> Response:
    key = request.cookies.get(SESSION_COOKIE)
    if key:
        log_out(db=db, key=key, now=now)
    answer = RedirectResponse("/login", status_code=303)
    answer.delete_cookie(SESSION_COOKIE, path="/")
    return answer


def _local(path: str) -> str:
    """Only a path on this app: a login link can never send someone to another site."""
    parts = urlsplit(path or "/")
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return "/"
    return path
