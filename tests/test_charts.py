"""The PNG charts: one panel per park, years on the x axis, Chinese drawn with the CJK font."""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import polars as pl
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from loaders.analysis.charts import (
    CHART_SPECS,
    CJK_FAMILY,
    agency_figures,
    cjk_font_path,
    panel_selection,
    read_sql,
    register_cjk_font,
    series_note,
    small_multiples,
    write_charts,
)

pytestmark = pytest.mark.warehouse

SAMPLE_YEARS = list(range(2017, 2022))  # report years of the samples: 2017, 2020, 2021


@pytest.fixture(scope="module")
def warehouse(samples_marts) -> Path:
    """The samples' warehouse, built once per session (conftest)."""
    return samples_marts


@pytest.fixture(scope="module")
def parks(warehouse: Path) -> dict[str, str]:
    frame = read_sql(
        "select agency_id, agency_name from marts.dim_agency where agency_kind = 'park_committee'",
        db_path=warehouse,
    )
    return dict(frame.iter_rows())


@pytest.fixture(scope="module")
def figures(warehouse: Path):
    made = agency_figures(warehouse)
    yield made
    for fig in made.values():
        plt.close(fig)


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_samples_hold_three_parks(parks):
    # 青铜峡, 石嘴山高新区, 银川德胜; 中卫市工业和信息化局 is a department, one agency is unknown
    assert len(parks) == 3


def test_write_charts_writes_one_png_per_chart_beside_the_warehouse(warehouse, tmp_path):
    copy = tmp_path / "w.duckdb"  # the default out_dir is <warehouse dir>/charts
    copy.write_bytes(warehouse.read_bytes())
    paths = write_charts(copy)
    assert [p.name for p in paths] == [f"{spec.key}.png" for spec in CHART_SPECS]
    for path in paths:
        assert path.parent == tmp_path / "charts"
        width, height = png_size(path)
        # three panels side by side on one row: wide, not tall
        assert width > 2 * height, (path.name, width, height)
        assert path.stat().st_size > 20_000


def test_one_panel_per_park_with_years_on_the_x_axis(figures, parks):
    assert set(figures) == {spec.key for spec in CHART_SPECS}
    for key, fig in figures.items():
        panel_ids = [ax.get_gid() for ax in fig.axes]
        assert sorted(panel_ids) == sorted(parks), key
        for ax in fig.axes:
            assert [int(t) for t in ax.get_xticks()] == SAMPLE_YEARS, key
            assert ax.get_title().startswith(parks[ax.get_gid()][:10]), ax.get_title()


def test_chinese_text_is_drawn_with_the_registered_cjk_font(figures):
    path = cjk_font_path()
    assert path.is_file()
    assert CJK_FAMILY in {entry.name for entry in font_manager.fontManager.ttflist}
    for fig in figures.values():
        texts = [t for t in fig.findobj(matplotlib.text.Text) if has_cjk(t.get_text())]
        assert len(texts) > 5
        for text in texts:
            found = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
            assert Path(found) == path
            face = FT2Font(str(found), face_index=getattr(found, "face_index", 0))
            assert face.family_name.startswith(CJK_FAMILY), face.family_name


def test_no_glyph_is_missing_when_saving(figures):
    for fig in figures.values():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(io.BytesIO(), format="png", dpi=60)
        assert not [w for w in caught if "missing from font" in str(w.message)]


def test_the_missing_glyph_check_would_catch_boxes():
    """Control for the test above: Chinese in DejaVu Sans (no CJK glyphs) does warn."""
    fig, ax = plt.subplots()
    ax.set_title("青铜峡工业园区", family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png", dpi=60)
    plt.close(fig)
    assert [w for w in caught if "missing from font" in str(w.message)]


def test_a_large_selection_keeps_the_most_active_agencies():
    register_cjk_font()
    years = [2019, 2020, 2021]
    rows = [
        {
            "agency_id": f"a{i:02d}",
            "agency_name": f"测试{i:02d}工业园区管委会",
            "prefecture_name": "银川市",
            "county_name": None,
            "report_year": year,
            "template_version": "v2019" if year < 2021 else "v2021",
            "applications_new": float(i),
            "reconsideration_cases": 0.0,
            "litigation_cases": None,
            "complaints_total": None,
            "identity_pass_rate": 1.0,
        }
        for i in range(30)
        for year in years
    ]
    frame = pl.DataFrame(rows)
    chosen, span, total = panel_selection(frame, max_panels=24)
    assert (len(chosen), span, total) == (24, (2019, 2021), 30)
    assert "a00" not in chosen and "a29" in chosen  # the least active drop out
    fig = small_multiples(frame, "identity_pass_rate", chosen, span, total_agencies=total)
    try:
        assert [ax.get_gid() for ax in fig.axes] == chosen
        assert "24" in fig.get_suptitle() and "30" in fig.get_suptitle()
    finally:
        plt.close(fig)


def _agency_rows(agency_id: str, activity: float, years: list[int]) -> list[dict]:
    return [
        {
            "agency_id": agency_id,
            "agency_name": f"{agency_id}工业园区管委会",
            "report_year": year,
            "applications_new": activity,
            "reconsideration_cases": 0.0,
            "litigation_cases": None,
            "complaints_total": None,
        }
        for year in years
    ]


def test_the_default_selection_draws_agencies_with_a_series_of_two_years_or_more():
    # the busiest park has one report; two quieter ones have two years each
    frame = pl.DataFrame(
        _agency_rows("a", 100.0, [2021])
        + _agency_rows("b", 1.0, [2019, 2020])
        + _agency_rows("c", 2.0, [2020, 2021])
        + _agency_rows("d", 50.0, [2018])
    )
    chosen, years, total = panel_selection(frame, max_panels=2)
    assert (chosen, years, total) == (["b", "c"], (2019, 2021), 4)
    assert series_note(frame) is None


def test_when_no_agency_spans_two_years_the_charts_say_so(warehouse, tmp_path):
    frame = pl.DataFrame(_agency_rows("a", 1.0, [2020]) + _agency_rows("b", 2.0, [2021]))
    assert panel_selection(frame, max_panels=2)[0] == ["a", "b"]  # the best there is
    assert "2 years or more" in series_note(frame)
    said: list[str] = []
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    assert write_charts(copy, note=said.append)  # the samples: each park has one year
    assert said and "single year" in said[0]
