"""A small document model (sections of paragraphs, bullets, graded statements and tables) rendered
to HTML with Jinja2 and to PDF with fpdf2, so a handout says the same thing in both formats.

The PDF embeds DejaVu Sans (shipped with matplotlib, already a dependency) so every character of
the text (°, ², −, µ) prints; nothing is fetched from the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import jinja2

if TYPE_CHECKING:
    from fpdf import FPDF

Audience = Literal["family", "physician"]
AUDIENCES: tuple[Audience, ...] = ("family", "physician")


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: Literal["paragraph"] = "paragraph"


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    kind: Literal["bullets"] = "bullets"


@dataclass(frozen=True)
class Graded:
    """Statements each followed by how sure we can be of it (a GRADE level)."""

    items: tuple[tuple[str, str], ...]
    kind: Literal["graded"] = "graded"


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...] = ()
    kind: Literal["table"] = "table"


Block = Paragraph | Bullets | Graded | Table


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    """One handout: who it is for, its topic, and its sections in reading order."""

    audience: Audience
    topic_id: str
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    footer: str

    def text(self) -> str:
        """Every word of the document, for checks and search."""
        parts = [self.title, self.subtitle, self.footer]
        for section in self.sections:
            parts.append(section.heading)
            for block in section.blocks:
                parts += _block_text(block)
        return "\n".join(parts)


def _block_text(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, Bullets):
        return list(block.items)
    if isinstance(block, Graded):
        return [f"{text} {level}" for text, level in block.items]
    return [" ".join(block.header)] + [" ".join(row) for row in block.rows]


# ----------------------------------------------------------------------------- HTML


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("pedmassage.evidence", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html(document: Document) -> str:
    """A standalone HTML page (inline styles, printable), for download or print."""
    return _environment().get_template("handout.html").render(doc=document)


def html_fragment(document: Document) -> str:
    """The document's body only, for embedding in another page."""
    return _environment().get_template("document.html").render(doc=document)


# ----------------------------------------------------------------------------- PDF

FONT = "DejaVu"
LINE = 5.2
KEEP_WITH_NEXT = 45  # mm


def pdf(document: Document) -> bytes:
    """The document as PDF bytes (A4, DejaVu Sans embedded)."""
    page = _new_pdf(document)
    _heading(page, document.title, size=17)
    page.set_font(FONT, size=10.5)
    _paragraph(page, document.subtitle)
    for section in document.sections:
        page.ln(2)
        _heading(page, section.heading, size=13)
        for block in section.blocks:
            _block(page, block)
    page.ln(3)
    page.set_font(FONT, size=8)
    _paragraph(page, document.footer)
    return bytes(page.output())


def _new_pdf(document: Document) -> FPDF:
    from fpdf import FPDF

    page = FPDF(format="A4")
    page.set_auto_page_break(auto=True, margin=15)
    page.set_margins(18, 16, 18)
    regular, bold = _fonts()
    page.add_font(FONT, "", str(regular))
    page.add_font(FONT, "B", str(bold))
    page.set_title(document.title)
    page.set_creator("pedmassage")
    page.add_page()
    return page


def _fonts() -> tuple[Path, Path]:
    from matplotlib import get_data_path

    folder = Path(get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def _heading(page: FPDF, text: str, *, size: float) -> None:
    if page.get_y() > page.h - KEEP_WITH_NEXT:  # never leave a heading alone at a page's foot
        page.add_page()
    page.set_font(FONT, "B", size=size)
    page.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
    page.ln(1)
    page.set_font(FONT, size=10.5)


def _paragraph(page: FPDF, text: str) -> None:
    page.multi_cell(0, LINE, text, new_x="LMARGIN", new_y="NEXT", align="L")
    page.ln(1.5)


def _block(page: FPDF, block: Block) -> None:
    if isinstance(block, Paragraph):
        _paragraph(page, block.text)
    elif isinstance(block, Bullets):
        for item in block.items:
            _bullet(page, item)
        page.ln(1)
    elif isinstance(block, Graded):
        for text, level in block.items:
            _bullet(page, f"{text} How sure are we: {level}.")
        page.ln(1)
    else:
        _table(page, block)


def _bullet(page: FPDF, text: str) -> None:
    page.set_x(page.l_margin + 2)
    page.cell(5, LINE, "•")
    page.multi_cell(0, LINE, text, new_x="LMARGIN", new_y="NEXT", align="L")


def _table(page: FPDF, table: Table) -> None:
    page.set_font(FONT, size=8.5)
    widths = table.widths or tuple(1 for _ in table.header)
    with page.table(col_widths=widths, text_align="LEFT", line_height=4.2) as grid:
        header = grid.row()
        for cell in table.header:
            header.cell(cell)
        for row in table.rows:
            line = grid.row()
            for cell in row:
                line.cell(cell)
    page.set_font(FONT, size=10.5)
    page.ln(2)
