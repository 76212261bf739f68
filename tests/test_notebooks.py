"""Every notebook runs end to end on a warehouse built from the five sample reports.

The jupytext percent scripts in notebooks/ are the source: each is turned into an .ipynb in a
temporary folder and executed by nbclient in the venv's `python3` kernel, with NIANBAO_DB set to
the warehouse. A cell that raises fails the test (nbclient's CellExecutionError names the cell).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import jupytext
import nbclient
import nbformat
import pytest

pytestmark = pytest.mark.slow

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


def test_a_parameter_is_set_from_the_environment_without_editing_a_cell(
    warehouse: Path, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("NIANBAO_DB", str(warehouse))
    monkeypatch.setenv("NIANBAO_AGENCY_KIND", "null")  # every kind, not only the parks
    monkeypatch.setenv("NIANBAO_MAX_PANELS", "2")
    notebook = execute(ROOT / "notebooks" / "compare_across_years.py", tmp_path)
    text = "".join(o.get("text", "") for o in outputs(notebook))
    assert "4 agencies, 4 agency-years" in text and "charts show 2 of them" in text
    # no agency of the samples has two report years, and the notebook says so
    assert "no agency of this selection has reports of 2 years or more" in text


def test_make_notebooks_opens_jupyterlab_on_the_notebooks_with_the_project_kernel():
    """The real target, headless: JupyterLab on an ephemeral port, asked over its REST API."""
    token = "nianbao-test"
    options = f"--no-browser --allow-root --ip=127.0.0.1 --port=0 --IdentityProvider.token={token}"
    lab = subprocess.Popen(
        ["make", "--no-print-directory", "notebooks", f"LAB_OPTIONS={options}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # make and the server it starts, stopped together below
    )
    try:
        url = None
        deadline = time.monotonic() + 120
        said: list[str] = []
        for line in lab.stdout:
            said.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+)/lab", line)
            if found or time.monotonic() > deadline:
                url = found and found.group(1)
                break
        assert url, "JupyterLab did not say where it listens:\n" + "".join(said)

        def get(path: str) -> dict:
            with urllib.request.urlopen(f"{url}{path}?token={token}", timeout=30) as response:
                return json.load(response)

        # the address is printed while the server starts: ask until it answers
        answered = time.monotonic() + 60
        while True:
            try:
                kernels = get("/api/kernelspecs")["kernelspecs"]
                break
            except urllib.error.URLError:
                if time.monotonic() > answered or lab.poll() is not None:
                    raise AssertionError("JupyterLab does not answer:\n" + "".join(said)) from None
                time.sleep(0.5)
        assert kernels["nianbao"]["spec"]["argv"][0] == str(ROOT / ".venv" / "bin" / "python")
        listed = {item["name"] for item in get("/api/contents/")["content"]}
        assert {"sql_cookbook.ipynb", "sql_cookbook.py", "compare_across_years.ipynb"} <= listed
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=60)


def cookbook_query(heading: str) -> str:
    """The SQL of the sql_cookbook cell that follows the markdown cell starting with `heading`."""
    cells = jupytext.read(ROOT / "notebooks" / "sql_cookbook.py").cells
    at = next(i for i, c in enumerate(cells) if c.source.startswith(f"## {heading}"))
    code = next(c for c in cells[at:] if c.cell_type == "code").source
    return code.split('"""')[1]


def test_the_cookbook_rolls_a_municipality_up_as_its_own_prefecture_level_unit(
    warehouse: Path, tmp_path: Path
):
    """上海 (310000) and its districts have no prefecture: they roll up to 上海市, not 未定位."""
    import shutil

    from loaders.warehouse import open_warehouse

    db = tmp_path / "w.duckdb"
    shutil.copyfile(warehouse, db)
    with open_warehouse(db) as con:
        agencies = [
            r[0] for r in con.sql("select agency_id from marts.mart_agency_year").fetchall()
        ]
        # two agencies moved to Shanghai: one at a district, one at the municipality itself
        for agency_id, region in zip(agencies, ["310115", "310000"], strict=False):
            con.execute(
                "update marts.mart_agency_year set region_id = ? where agency_id = ?",
                [region, agency_id],
            )
        prefectures = con.sql(cookbook_query("7. Roll up to the prefecture")).fetchall()
        provinces = con.sql(cookbook_query("7b. Roll up to the province")).fetchall()
    by_unit = {}
    for unit, _year, reports, *_ in prefectures:
        by_unit[unit] = by_unit.get(unit, 0) + reports
    assert by_unit.get("上海市") == 2 and "（未定位）" not in by_unit
    assert sum(by_unit.values()) == len(agencies)
    assert {row[0] for row in provinces} == {"上海市", "宁夏回族自治区"}
