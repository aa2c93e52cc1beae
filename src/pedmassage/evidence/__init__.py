"""Evidence behind the program: the study library, GRADE, pooled claims, plots and handouts.

Knowledge only: nothing here imports the database, the web app or the command line. The studies
(``studies/*.yaml``), topics (``topics.yaml``) and claims (``claims.yaml``) are data, validated when
first loaded; every number in them is one the clinical reference reports.

    >>> from pedmassage.evidence import synthesize, handout, documents, pool_study_table
    >>> s = synthesize("preterm.weight_gain")        # graded; pooled only if independent
    >>> s.grade.level
    'low'
    >>> s.side_by_side                                 # reviews that may share trials
    True
    >>> pdf = documents.pdf(handout("preterm", "family"))
    >>> table = "study,yi,vi\\nA,0.5,0.04\\nB,0.3,0.09\\n"   # a table of studies one brings
    >>> pool_study_table(table, method="DL").result.k
    2
"""

from pedmassage.evidence import documents
from pedmassage.evidence.catalogue import Catalogue, catalogue
from pedmassage.evidence.claim_model import Claim, Topic
from pedmassage.evidence.grade import (
    LEVELS,
    Body,
    Downgrade,
    Grade,
    grade,
    required_downgrades,
    starting_level,
)
from pedmassage.evidence.handouts import family_handout, handout, physician_summary
from pedmassage.evidence.model import Study
from pedmassage.evidence.overlap import Overlap, overlap, overlaps
from pedmassage.evidence.pooling import PooledTable, pool_study_table
from pedmassage.evidence.synthesis import ClaimSynthesis, EffectRow, synthesize

__all__ = [
    "LEVELS",
    "Body",
    "Catalogue",
    "Claim",
    "ClaimSynthesis",
    "Downgrade",
    "EffectRow",
    "Grade",
    "Overlap",
    "PooledTable",
    "Study",
    "Topic",
    "catalogue",
    "documents",
    "family_handout",
    "grade",
    "handout",
    "overlap",
    "overlaps",
    "physician_summary",
    "pool_study_table",
    "required_downgrades",
    "starting_level",
    "synthesize",
]
