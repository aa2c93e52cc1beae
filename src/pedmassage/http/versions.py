"""Record versions over HTTP: the ``ETag`` a read carries and the ``If-Match`` a change sends back.

An editable record (a child's profile, a session, a home program) answers with ``ETag: "3"``, its
version. A change that sends ``If-Match: "3"`` is refused with a 409 when the record has moved on
since: a second tablet never overwrites, or merges into, what the first one wrote unseen. Without
``If-Match`` a change rests on whatever is stored (the row lock still makes concurrent changes
take turns). Forms carry the same version in a hidden ``version`` field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Response

from pedmassage.errors import ValidationError

ETAG_HELP = 'The record\'s ETag as last read, e.g. "3"; a newer stored version is refused (409).'


def etag(version: int) -> str:
    return f'"{version}"'


def tagged(response: Response, version: int) -> None:
    """Say which version of the record this answer shows."""
    response.headers["ETag"] = etag(version)


IF_MATCH_PATTERN = r'^(\*|(W/)?"?[0-9]{1,9}"?)$'
"""``*``, or one version as an ETag: ``"3"``, ``W/"3"`` or ``3``."""


def if_match(
    value: Annotated[
        str, Header(alias="If-Match", description=ETAG_HELP, pattern=IF_MATCH_PATTERN)
    ] = "",
) -> int | None:
    """The version a change rests on, from ``If-Match`` (``*`` or none: whatever is stored)."""
    if not value or value.strip() == "*":
        return None
    return parse_version(value.strip().removeprefix("W/").strip('"'), "If-Match")


def parse_version(text: str, field: str) -> int:
    """A version as sent back by a client or a form; anything else is a 422 naming ``field``."""
    if not text.isdigit() or len(text) > 9:
        raise ValidationError(field, text, 'the record\'s ETag as last read, e.g. "3"')
    return int(text)


IfMatchDep = Annotated[int | None, Depends(if_match)]
