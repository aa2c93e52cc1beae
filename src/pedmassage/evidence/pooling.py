"""Pooling a table of studies someone brings: CSV text in, the pooled result and its plots out.

``pedmassage evidence pool``, ``POST /api/v1/evidence/pool`` and the pool page all pool through
:func:`pool_study_table`, so the three give the same numbers for the same table and refuse a bad
table with the same :class:`~pedmassage.errors.ValidationError`, naming the cell (``vi[3]``), the
column set or the option, and what would have been accepted.

    >>> pooled = pool_study_table("study,yi,vi\\nA,0.5,0.04\\nB,0.3,0.09\\n", method="DL")
    >>> pooled.result.k
    2

A table may name studies of the catalogue, by id or label. Those that may share children (reviews
that may include the same trials, see :mod:`pedmassage.evidence.overlap`) are refused, as they are
in the catalogue's own claims: their pool would count the same children twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from pedmassage.errors import ValidationError
from pedmassage.evidence.overlap import overlaps
from pedmassage.evidence.plot_data import ForestData, FunnelData, forest_for_table, funnel_for_table
from pedmassage.evidence.plots import Image, PlotKind, draw
from pedmassage.stats import PooledResult, StudyTable, pool, read_study_csv
from pedmassage.stats.pooling import checked_options

DEFAULT_MEASURE = "GEN"
"""Without a measure the table already holds effect sizes (``yi,vi``)."""
DEFAULT_METHOD = "REML"
DEFAULT_TEST = "z"
DEFAULT_TITLE = "Pooled studies"
OPTIONS = ("measure", "method", "test")
"""The options a pooling takes besides the table; an error naming one of these is about it."""


@dataclass(frozen=True)
class PooledTable:
    """A table of studies with its pooled result, and what its plots need to draw it.

    ``measure`` is kept because the plots show ratios (RR, OR) back on their own scale.
    """

    table: StudyTable
    result: PooledResult
    measure: str
    title: str = DEFAULT_TITLE

    def as_json(self) -> dict[str, object]:
        """The pooled result under the names of the command line's JSON contract."""
        return self.result.as_json()

    def forest(self) -> ForestData:
        return forest_for_table(self.table, self.result, self.measure, self.title)

    def funnel(self) -> FunnelData:
        return funnel_for_table(self.table, self.result, self.measure, self.title)

    def figure(self, kind: PlotKind, fmt: str = "svg") -> Image:
        """The forest or funnel plot of the table, as SVG or PNG."""
        return draw(self.forest() if kind == "forest" else self.funnel(), fmt)


def pool_study_table(
    text: str,
    *,
    measure: str = DEFAULT_MEASURE,
    method: str = DEFAULT_METHOD,
    test: str = DEFAULT_TEST,
    title: str = DEFAULT_TITLE,
) -> PooledTable:
    """Read a CSV table of studies and pool it as R's metafor would.

    The options arrive as free text from the edges and are checked here; the table is read before
    the method and test are checked, so a table that cannot be read is the first thing reported.
    ``title`` names the table on its plots (the command line uses the file's name).
    """
    table = read_study_csv(text, measure=measure)
    checked_method, checked_test = checked_options(method, test)
    _refuse_shared_children(table.studies)
    result = pool(table.yi, table.vi, method=checked_method, test=checked_test)
    return PooledTable(table=table, result=result, measure=measure, title=title)


def _refuse_shared_children(labels: tuple[str, ...]) -> None:
    """Rows naming catalogued studies that may share children cannot be pooled together."""
    from pedmassage.evidence.catalogue import catalogue

    studies = catalogue().studies.values()
    by_name = {s.id: s for s in studies} | {s.label: s for s in studies}
    found = overlaps([by_name[label] for label in labels if label in by_name])
    if found:
        raise ValidationError(
            "study",
            found[0].why,
            "studies that share no children: reviews that may include the same trials are read "
            "side by side, never pooled (see `pedmassage evidence show` for a claim)",
        )
