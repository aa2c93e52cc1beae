"""What the evidence edges accept: the request to pool a table of studies.

``PoolRequest`` keeps the name under which the API has always published it (the OpenAPI
component ``PoolRequest``): pooling stores nothing, so there is no record to ``Create``. The
options stay free text, checked by :func:`pedmassage.evidence.pooling.pool_study_table`, so a
wrong measure, method or test is refused with the same message at every edge.
"""

from __future__ import annotations

from pydantic import Field

from pedmassage.evidence.pooling import DEFAULT_MEASURE, DEFAULT_METHOD, DEFAULT_TEST
from pedmassage.inbound import Inbound, Text


class PoolRequest(Inbound):
    """A table of studies as CSV text, with the measure, the τ² method and the test."""

    csv: Text = Field(
        min_length=1,
        max_length=200_000,
        description="study,yi,vi or the raw columns of the measure",
    )
    measure: Text = Field(DEFAULT_MEASURE, max_length=8, description="SMD, MD, RR, OR, RD or GEN")
    method: Text = Field(DEFAULT_METHOD, max_length=8, description="FE, DL, REML or PM")
    test: Text = Field(DEFAULT_TEST, max_length=8, description="z or hksj")
