"""``pedmassage fhir``: a child's record as FHIR R4, for the hospital's other systems.

``fhir export CHILD_ID --output FILE`` writes the child's record as one FHIR R4 Bundle (JSON, type
``collection``) to FILE and nothing else, so another tool can read FILE as it is. The operator's
export is audited with the child it names, like every command.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pedmassage.cli.common import database, fail, handles_errors, now, print_json
from pedmassage.safety.contract import Setting

app = typer.Typer(help="FHIR R4 in and out.", no_args_is_help=True, rich_markup_mode=None)


@app.command("export")
@handles_errors
def export(
    child_id: str = typer.Argument(..., help="The child's id."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the Bundle (JSON)."),
) -> None:
    """The child, guardians, conditions, devices, labs and vitals, each started session (the
    massage, consent, assent and scores) and the home programs, as one FHIR R4 Bundle; no free
    text is sent."""
    from pedmassage.fhir.export import bundle_resources, export_bundle

    with database() as db:
        bundle = export_bundle(db=db, child_id=child_id, now=now())
    text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail("--output", f"cannot write {output}: {exc.strerror or exc}")
    typer.echo(f"wrote {output}: a FHIR R4 Bundle of {len(bundle_resources(bundle))} resources")


@app.command("import")
@handles_errors
def import_bundle(
    file: Path = typer.Argument(..., help="A FHIR R4 Bundle (JSON), or - for standard input."),
    site: str = typer.Option(None, "--site", help="The child's site (id or name)."),
    setting: str = typer.Option(
        "hospital",
        "--setting",
        help="Where the child is cared for: hospital, picu, nicu, home, clinic.",
    ),
) -> None:
    """A new child from a FHIR R4 Bundle: Patient, Conditions, Observations (labs and vitals),
    Devices, medicines and Procedures, read through the terminology maps. Prints the new child's
    id and every code that could not be mapped: unknown codes are reported, never guessed."""
    import sys
    from dataclasses import asdict

    from pedmassage.fhir.inbound import import_bundle as import_into
    from pedmassage.inbound import parse_json

    try:
        raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        fail("FILE", f"cannot read {file}: {exc.strerror or exc}")
        return
    bundle = parse_json(raw)
    if not isinstance(bundle, dict):
        fail("FILE", "a FHIR Bundle (a JSON object with resourceType Bundle)")
        return
    with database() as db:
        child, unmapped = import_into(
            db=db,
            bundle=bundle,
            now=now(),
            site=site,
            setting=_setting(setting),
        )
        child_id = child.id
    print_json({"child_id": child_id, "unmapped": [asdict(u) for u in unmapped]})


def _setting(value: str) -> Setting:
    """The care setting named on the command line, refused with the allowed values otherwise."""
    from typing import get_args

    from pedmassage.errors import ValidationError

    for allowed in get_args(Setting):
        if value == allowed:
            return allowed  # type: ignore[no-any-return]  # a member of the Literal itself
    raise ValidationError("--setting", value, "one of: " + ", ".join(get_args(Setting)))
