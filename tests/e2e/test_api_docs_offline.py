"""The API documentation renders in Chromium with no way out of the app's own server.

Every request to any other host is refused, as on a hospital network without internet access: the
page must still list the API's operations, and nothing on it may even try to reach elsewhere or be
refused by the page's Content-Security-Policy.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Route


@pytest.mark.e2e
def test_the_api_docs_list_the_operations_offline(page: Page, live_server: str) -> None:
    own_host = urlsplit(live_server).netloc
    blocked: list[str] = []
    console: list[str] = []

    def only_the_app(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own_host:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error":
            console.append(message.text)

    page.route("**/*", only_the_app)
    page.on("console", keep)
    page.goto(f"{live_server}/api/docs")
    operations = page.locator(".opblock")
    operations.first.wait_for(timeout=15_000)
    assert operations.count() > 20
    assert page.locator(".opblock-summary-path", has_text="/api/v1/children").count() > 0
    assert page.get_by_role("heading", name="pedmassage").is_visible()
    assert blocked == []
    assert console == []
