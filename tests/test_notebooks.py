"""Every notebook runs end to end on a warehouse built from the five sample reports.

The jupytext percent scripts in notebooks/ are the source: each is turned into an .ipynb in a
temporary folder and executed by nbclient in the venv's `python3` kernel, with NIANBAO_DB set to
the warehouse. A cell that raises fails the test (nbclient's CellExecutionError names the cell).
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbclient
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
CELL_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def warehouse(samples_marts) -> Path:
    return samples_marts


def execute(source: Path, workdir: Path) -> nbformat.NotebookNode:
    """jupytext -> .ipynb in workdir -> nbclient; return the executed notebook."""
    ipynb = workdir / f"{source.stem}.ipynb"
    jupytext.write(jupytext.read(source), ipynb)
    notebook = nbformat.read(ipynb, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, when a cell fails
    nbformat.write(notebook, ipynb)  # kept in tmp for a look after a failure
    return notebook


def outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


def test_the_notebooks_are_found():
    assert {p.stem for p in NOTEBOOKS} >= {
        "compare_across_years",
        "compliance",
        "data_quality",
        "sql_cookbook",
    }


def compare_across_years_draws_its_charts(notebook: nbformat.NotebookNode) -> None:
    images = [o for o in outputs(notebook) if "image/png" in o.get("data", {})]
    assert len(images) == 6  # one small-multiples figure per chart


def sql_cookbook_shows_a_result_under_every_query(notebook: nbformat.NotebookNode) -> None:
    query_cells = [
        c for c in notebook.cells if c.cell_type == "code" and c.source.lstrip().startswith("run(")
    ]
    assert len(query_cells) >= 10
    for cell in query_cells:
        assert any(o.output_type == "execute_result" for o in cell.outputs), cell.source[:80]


def compliance_shows_a_table_under_every_section(notebook: nbformat.NotebookNode) -> None:
    code_cells = [c for c in notebook.cells if c.cell_type == "code"][2:]  # after the setup
    assert len(code_cells) >= 10
    for cell in code_cells:
        assert any(o.output_type in ("execute_result", "display_data") for o in cell.outputs), (
            cell.source[:80]
        )
    printed = "".join(o.get("text", "") for o in outputs(notebook))
    assert "agencies: ['" in printed  # two agencies side by side were found


# checks of one notebook's own outputs, run after the common ones (each notebook runs once)
SPECIFIC_CHECKS = {
    "compare_across_years": compare_across_years_draws_its_charts,
    "sql_cookbook": sql_cookbook_shows_a_result_under_every_query,
    "compliance": compliance_shows_a_table_under_every_section,
}


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_end_to_end(source: Path, warehouse: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NIANBAO_DB", str(warehouse))  # the kernel inherits the environment
    notebook = execute(source, tmp_path)
    produced = outputs(notebook)
    assert not [o for o in produced if o.output_type == "error"]
    stderr = "".join(o.text for o in produced if o.get("name") == "stderr")
    # matplotlib warns "Glyph ... missing from font(s)" when Chinese falls back to boxes
    assert "missing from font" not in stderr
    # the notebook read the warehouse NIANBAO_DB names, not the project default
    assert str(warehouse) in "".join(o.get("text", "") for o in produced)
    if source.stem in SPECIFIC_CHECKS:
        SPECIFIC_CHECKS[source.stem](notebook)
