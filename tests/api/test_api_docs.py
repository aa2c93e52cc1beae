"""The API documentation works on a network without internet access.

``/api/docs`` must load Swagger UI from this app alone: a hospital network that reaches no public
CDN would otherwise show a blank page. Every asset the page names is fetched here and must answer
with the content type a browser (with ``nosniff``) accepts for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from pedmassage.app import create_app
from pedmassage.config import Settings

EXPECTED_TYPES = {"script": "text/javascript", "stylesheet": "text/css", "icon": "image/png"}


class AssetLinks(HTMLParser):
    """Every URL the page makes a browser fetch, by kind, and the URLs it hands its script."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []
        self.data_urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "script" and found.get("src"):
            self.assets.append(("script", found["src"]))
        elif tag == "link" and found.get("href"):
            self.assets.append((found.get("rel", ""), found["href"]))
        self.data_urls += [
            v for n, v in found.items() if n.startswith("data-") and n.endswith("url")
        ]


@pytest.fixture()
def anonymous(sqlite_url: str) -> Iterator[TestClient]:
    """Nobody logged in: the documentation carries no one's data and needs no login."""
    with TestClient(create_app(Settings(database_url=sqlite_url))) as client:
        yield client


def links(client: TestClient) -> AssetLinks:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    parser = AssetLinks()
    parser.feed(response.text)
    return parser


def test_the_docs_page_names_no_other_host(anonymous: TestClient) -> None:
    page = anonymous.get("/api/docs").text
    assert not re.search(r"https?://", page), "the page names an absolute URL"
    assert "<script>" not in page, "an inline script: the Content-Security-Policy forbids it"
    parser = links(anonymous)
    assert {kind for kind, _ in parser.assets} == set(EXPECTED_TYPES)
    for _, url in parser.assets:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), url


def test_every_asset_of_the_docs_page_is_served_with_its_content_type(
    anonymous: TestClient,
) -> None:
    for kind, url in links(anonymous).assets:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith(EXPECTED_TYPES[kind]), url
        assert response.content, url


def test_the_stylesheet_fetches_nothing_from_elsewhere(anonymous: TestClient) -> None:
    """A ``url(...)`` in the stylesheet is fetched too; Swagger UI's are all inline data."""
    css = anonymous.get("/api/docs/swagger-ui.css").text
    for target in re.findall(r"url\(\s*['\"]?([^'\")]*)", css):
        assert target.startswith("data:"), target


def test_the_page_points_swagger_ui_at_the_apps_own_openapi_document(
    anonymous: TestClient,
) -> None:
    (url,) = links(anonymous).data_urls
    assert url == "/api/openapi.json"
    document = anonymous.get(url)
    assert document.status_code == 200
    assert "/api/v1/children" in document.json()["paths"]


def test_a_missing_docs_asset_is_a_404_in_the_apis_error_shape(anonymous: TestClient) -> None:
    response = anonymous.get("/api/docs/no-such-file.js")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
