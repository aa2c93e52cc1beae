"""What the evidence edges accept: the request to pool a table of studies.

``PoolRequest`` keeps the name under which the API has always published it (the OpenAPI
component ``PoolRequest``): pooling stores nothing, so there is no record to ``Create``. The
options stay free text, checked by :func:`pedmassage.evidence.pooling.pool_study_table`, so a
wrong measure, method or test is refused with the same message at every edge.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pedmassage.evidence.pooling import DEFAULT_MEASURE, DEFAULT_METHOD, DEFAULT_TEST


class PoolRequest(BaseModel):
    """A table of studies as CSV text, with the measure, the τ² method and the test."""

    model_config = ConfigDict(extra="forbid")

    csv: str = Field(min_length=1, description="study,yi,vi or the raw columns of the measure")
    measure: str = Field(DEFAULT_MEASURE, description="SMD, MD, RR, OR, RD or GEN")
    method: str = Field(DEFAULT_METHOD, description="FE, DL, REML or PM")
    test: str = Field(DEFAULT_TEST, description="z or hksj")
