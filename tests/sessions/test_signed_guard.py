"""A signed session never changes, whichever modules a program happens to import.

The guard is registered beside the models, so a script that imports only ``pedmassage.models``
(as a migration, a report or a maintenance script would) still cannot change a signed session's
note or delete it through the ORM.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import sys
    from datetime import UTC, date, datetime

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from pedmassage.errors import ConflictError
    from pedmassage.models import Base, Child, Screening, SessionRecord, Site

    engine = create_engine(f"sqlite:///{sys.argv[1]}")
    Base.metadata.create_all(engine)
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with Session(engine) as db:
        site = Site(name="Ward 4")
        db.add(site)
        db.flush()
        child = Child(display_name="Guard", birth_date=date(2018, 1, 1), sex="female",
                      ga_weeks=40, setting="hospital", site_id=site.id)
        db.add(child)
        db.flush()
        screening = Screening(child_id=child.id, site_id=site.id, assessed_at=now, actor="R",
                              decision="proceed", rules_version="1", policy_version="1",
                              input={}, result={})
        db.add(screening)
        db.flush()
        record = SessionRecord(child_id=child.id, site_id=site.id, screening_id=screening.id,
                               therapist="R",
                               status="signed", plan={}, note="as signed")
        db.add(record)
        db.commit()
        outcomes = []
        record.note = "changed afterwards"
        try:
            db.flush()
            outcomes.append("note changed")
        except ConflictError:
            outcomes.append("note refused")
        db.rollback()
        db.delete(db.get(SessionRecord, record.id))
        try:
            db.flush()
            outcomes.append("row deleted")
        except ConflictError:
            outcomes.append("delete refused")
        db.rollback()
    loaded = sorted(m for m in sys.modules if m.startswith("pedmassage.sessions."))
    print(",".join(outcomes) + "|" + ",".join(loaded))
    """
)


def test_a_signed_session_is_guarded_with_only_the_models_imported(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "guard.sqlite3")],
        capture_output=True,
        text=True,
        check=True,
    )
    outcomes, loaded = done.stdout.strip().split("|")
    assert outcomes == "note refused,delete refused"
    assert "pedmassage.sessions.records" not in loaded.split(",")
