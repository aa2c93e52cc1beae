"""The library as plain data: the same rows for the command line, the API and the pages."""

from __future__ import annotations

import pytest

from pedmassage.errors import NotFoundError
from pedmassage.evidence import listing
from pedmassage.evidence.catalogue import catalogue


def test_the_index_has_every_topic_with_its_claims_and_the_library_s_version() -> None:
    index = listing.library_index()
    assert index.version == catalogue().version
    assert [topic.id for topic, _ in index.topics] == list(catalogue().topics)
    preterm = dict((topic.id, claims) for topic, claims in index.topics)["preterm"]
    assert preterm == listing.claim_rows("preterm")


def test_a_topic_by_id_has_its_claims_and_studies_as_rows() -> None:
    topic = listing.topic_detail("adhd")
    assert topic["title"] and topic["claims"] == listing.claim_rows("adhd")
    assert topic["studies"] == listing.study_rows("adhd")


def test_a_study_by_id_is_the_entry_as_catalogued() -> None:
    assert listing.study_detail("field1986") == catalogue().study("field1986").model_dump(
        mode="json"
    )


def test_unknown_topics_and_studies_are_not_found() -> None:
    with pytest.raises(NotFoundError):
        listing.topic_detail("nope")
    with pytest.raises(NotFoundError):
        listing.study_detail("nope")
