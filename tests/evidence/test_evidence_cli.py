"""``pedmassage evidence``: pool reproduces metafor; bad tables exit 2 naming the problem."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]
BCG = Path(__file__).parent / "data" / "dat_bcg.csv"


def _json(result: Result) -> dict[str, object]:
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_pool_reproduces_metafor_dat_bcg_reml(evidence_cli: Invoke) -> None:
    out = _json(evidence_cli("pool", "--input", str(BCG), "--measure", "RR"))
    # metafor rma.uni.html: REML, k = 13: estimate -0.7145, tau^2 0.3132, I^2 92.22%, H^2 12.86,
    # Q(12) = 152.2330, CI -1.0669 .. -0.3622; predict(): PI -1.87 .. 0.44
    assert list(out) == [
        "k", "estimate", "se", "ci_low", "ci_high", "tau2", "i2", "h2", "q", "q_p",
        "pi_low", "pi_high", "method", "test",
    ]  # fmt: skip
    assert out["k"] == 13 and (out["method"], out["test"]) == ("REML", "z")
    assert out["estimate"] == pytest.approx(-0.7145, abs=1e-4)
    assert out["tau2"] == pytest.approx(0.313243325980895, rel=1e-6)  # test_misc_influence.r
    assert out["i2"] == pytest.approx(92.22, abs=0.005)
    assert out["h2"] == pytest.approx(12.86, abs=0.005)
    assert out["q"] == pytest.approx(152.233008082373, rel=1e-9)
    assert (out["ci_low"], out["ci_high"]) == (
        pytest.approx(-1.0669, abs=1e-4),
        pytest.approx(-0.3622, abs=1e-4),
    )
    assert (out["pi_low"], out["pi_high"]) == (
        pytest.approx(-1.87, abs=5e-3),
        pytest.approx(0.44, abs=5e-3),
    )


def test_pool_with_dl_and_knapp_hartung_matches_metafor(evidence_cli: Invoke) -> None:
    dl = _json(evidence_cli("pool", "--input", str(BCG), "--measure", "RR", "--method", "DL"))
    assert dl["estimate"] == pytest.approx(-0.7141, abs=1e-4)  # metan_vs_rma test: DL
    assert dl["tau2"] == pytest.approx(0.3088, abs=1e-4)
    kh = _json(evidence_cli("pool", "--input", str(BCG), "--measure", "RR", "--test", "hksj"))
    assert (kh["ci_low"], kh["ci_high"]) == (  # README.md, test="knha"
        pytest.approx(-1.1084, abs=1e-4),
        pytest.approx(-0.3206, abs=1e-4),
    )


@pytest.mark.parametrize(
    ("csv", "options", "named"),
    [
        ("study,yi,vi\nA,0.1,0.02\nB,0.3,-0.01\n", (), "vi[1]"),
        ("study,yi\nA,0.1\nB,0.2\n", (), "missing column vi"),
        ("study,yi,vi\nA,0.1,0.02\n", (), "at least 2 studies for method REML"),
        ("study,tpos,tneg,cpos\nA,1,2,3\n", ("--measure", "RR"), "missing column cneg"),
        ("study,yi,vi\nA,x,0.02\nB,0.1,0.1\n", (), "'x' is not a number"),
        ("study,yi,vi\nA,0.1,0.02\nB,0.3,0.01\n", ("--method", "ML"), "FE, DL, REML, PM"),
    ],
)
def test_a_bad_table_exits_2_with_a_message_naming_the_problem(
    evidence_cli: Invoke, tmp_path: Path, csv: str, options: tuple[str, ...], named: str
) -> None:
    path = tmp_path / "studies.csv"
    path.write_text(csv)
    result = evidence_cli("pool", "--input", str(path), *options)
    assert result.exit_code == 2
    assert named in result.output and "error" in result.output


def test_a_missing_file_exits_2(evidence_cli: Invoke, tmp_path: Path) -> None:
    result = evidence_cli("pool", "--input", str(tmp_path / "none.csv"))
    assert result.exit_code == 2 and "cannot read" in result.output


def test_list_and_show_give_claims_studies_and_topics(evidence_cli: Invoke) -> None:
    rows = json.loads(evidence_cli("list", "--json").stdout)
    weight = next(r for r in rows if r["id"] == "preterm.weight_gain")
    assert weight["pooled"] is False and weight["k"] is None
    assert "side by side" in str(weight["result"])  # reviews that may share trials
    table = evidence_cli("list", "--topic", "oncology")
    assert table.exit_code == 0 and "oncology.anxiety" in table.stdout
    studies = json.loads(evidence_cli("list", "--studies", "--topic", "adhd", "--json").stdout)
    assert [s["id"] for s in studies] == ["field1998_adhd", "khilnani2003"]
    claim = _json(evidence_cli("show", "preterm.weight_gain"))
    assert claim["kind"] == "claim" and claim["grade"]["level"] == "low"  # type: ignore[index]
    assert claim["pooled"] is None and claim["side_by_side"] is True
    study = _json(evidence_cli("show", "field1986"))
    assert study["outcomes"][0]["group_means"] == {"massage": 25.0, "control": 17.0}  # type: ignore[index]
    assert _json(evidence_cli("show", "asthma"))["kind"] == "topic"
    unknown = evidence_cli("show", "nope")
    assert unknown.exit_code == 2 and "nope not found" in unknown.output


def test_forest_and_funnel_write_svg_or_png(evidence_cli: Invoke, tmp_path: Path) -> None:
    svg = evidence_cli("forest", "preterm.weight_gain")
    assert svg.exit_code == 0 and "Wang 2013" in svg.stdout
    assert 'id="diamond"' not in svg.stdout  # reviews that may share trials: side by side
    funnel_claim = evidence_cli("funnel", "preterm.weight_gain")
    assert funnel_claim.exit_code == 2 and "side by side" in funnel_claim.output
    png = tmp_path / "forest.png"
    assert (
        evidence_cli(
            "forest", "preterm.weight_gain", "--format", "png", "--output", str(png)
        ).exit_code
        == 0
    )
    assert png.read_bytes().startswith(b"\x89PNG")
    table = evidence_cli("forest", "--input", str(BCG), "--measure", "RR")
    assert table.exit_code == 0 and "Aronson 1948" in table.stdout
    funnel = evidence_cli("funnel", "--input", str(BCG), "--measure", "RR")
    assert funnel.exit_code == 0 and "Egger regression test" in funnel.stdout
    binary = evidence_cli("forest", "preterm.weight_gain", "--format", "png")
    assert binary.exit_code == 2 and "--output" in binary.output
    nothing = evidence_cli("forest", "autism.behaviour")
    assert nothing.exit_code == 2 and "no" in nothing.output
    neither = evidence_cli("forest")
    assert neither.exit_code == 2 and "claim id" in neither.output


def test_handout_writes_html_and_pdf(evidence_cli: Invoke, tmp_path: Path) -> None:
    page = evidence_cli("handout", "asthma")
    assert page.exit_code == 0 and "When not to massage" in page.stdout
    pdf = tmp_path / "asthma.pdf"
    result = evidence_cli("handout", "asthma", "--audience", "physician", "--format", "pdf",
                          "--output", str(pdf))  # fmt: skip
    assert result.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    bad = evidence_cli("handout", "asthma", "--audience", "press")
    assert bad.exit_code == 2 and "family or physician" in bad.output
