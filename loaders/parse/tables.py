"""Parsers of the statistical tables: 二 (proactive disclosure), 三 (applications), 四 (reviews)
and the pre-2019 statistics table. Rows are recognised by their labels, never by position."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import NamedTuple

from loaders.characters import squeeze
from loaders.document import Issue, Line
from loaders.parse import labels
from loaders.parse.cells import Placement, Row, place, split_row
from loaders.parse.values import Value, parse_value
from loaders.vocabulary import APPLICANT_COLUMNS, REVIEW_KINDS, REVIEW_OUTCOMES


class Fact(NamedTuple):
    """One cell of a statistical table, already in the shape of a raw.cells row."""

    table_key: str
    row_key: str
    column_key: str
    value: float | None
    value_raw: str
    unit: str | None
    line_number: int
    source: str


Seen = dict[str, set[str]]  # row key -> the columns already filled: a row printed twice


@dataclass
class TableResult:
    facts: list[Fact] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    complaints: list[tuple[str, Value, Line]] = field(default_factory=list)
    doubled: set[tuple[str, str]] = field(default_factory=set)  # (table, row) read twice, nulled

    def issue(self, code: str, severity: str, message: str, line: Line | None) -> None:
        self.issues.append(
            Issue(
                code,
                severity,
                message,
                line.number if line else None,
                line.source if line else None,
            )
        )

    def unplaced(
        self,
        table: str,
        row_key: str,
        columns: Sequence[str],
        line: Line,
        problem: str | None,
        seen: Seen,
    ) -> None:
        """A row whose figures cannot be put on their columns: its cells exist, all null."""
        self.issue(
            "row_misaligned", "warning", f"{table} {row_key}: {problem}; cells left null", line
        )
        self.add_row(
            table, row_key, columns, [Value(None, "")] * len(columns), line, seen, quiet=True
        )

    def add_row(
        self,
        table: str,
        row_key: str,
        columns: Sequence[str],
        placed: Sequence[Value],
        line: Line,
        seen: Seen,
        quiet: bool = False,
    ) -> None:
        done = seen.get(row_key)
        if not _distinct(columns):
            # a header that names one column twice: no figure of the row is placed
            self.issue("duplicate_row", "warning", f"{table} {row_key}: a column twice", line)
            return
        if done is not None and not done.isdisjoint(columns):
            self._claimed_twice(table, row_key, dict(zip(columns, placed, strict=True)), line)
            return
        numbers, raws, units = zip(*placed, strict=True) if placed else ((), (), ())
        if not quiet and None in numbers:
            blanks = [c for c, n in zip(columns, numbers, strict=True) if n is None]
            self.issue(
                "blank_cells",
                "info",
                f"{table} {row_key}: {len(blanks)} blank cell(s) stored as null "
                f"({', '.join(blanks)})",
                line,
            )
        if done is None:
            seen[row_key] = set(columns)
        else:
            done.update(columns)
        # built in C, a row at a time: a report has some 150 facts
        n = len(columns)
        self.facts.extend(
            map(
                _new_fact,
                zip(
                    repeat(table, n), repeat(row_key, n), columns, numbers, raws, units,
                    repeat(line.number, n), repeat(line.source, n),
                    strict=True,
                ),
            )
        )  # fmt: skip

    def _claimed_twice(
        self, table: str, row_key: str, wanted: dict[str, Value], line: Line
    ) -> None:
        """A second reading of a row already stored (`wanted`: its figures by column). Equal
        figures confirm it; different figures mean one of the two lines is not this row, and
        nothing says which: the stored cells become null, so no figure reaches the warehouse
        on a guess."""
        stored = [
            (i, f)
            for i, f in enumerate(self.facts)
            if f.table_key == table and f.row_key == row_key and f.column_key in wanted
        ]
        if all(f.value == wanted[f.column_key].number for _, f in stored):
            self.issue(
                "duplicate_row",
                "warning",
                f"{table} row {row_key} printed twice, same figures",
                line,
            )
            return
        first = min((f for _, f in stored), key=lambda f: f.line_number, default=None)
        where = f"{first.source} (line {first.line_number})" if first else "an earlier line"
        self.issue(
            "duplicate_row",
            "error",
            f"{table} {row_key}: read twice with different figures, at {where} and at "
            f"{line.source} (line {line.number}): both readings' cells left null",
            line,
        )
        self.doubled.add((table, row_key))
        for i, f in stored:
            self.facts[i] = f._replace(value=None, value_raw="", unit=None)


_new_fact = functools.partial(tuple.__new__, Fact)


def _distinct(columns: Sequence[str]) -> bool:
    return len(set(columns)) == len(columns)


def _loose(fmt: str) -> bool:
    # Tab-separated text carries stray tabs at row edges; real grids do not.
    return fmt == "txt"


def parse_disclosures(rows: list[Line], version: str, fmt: str, out: TableResult) -> None:
    """Table 二: measures come from the nearest 信息内容 header, else the template's defaults."""
    measures: list[tuple[str, str | None]] | None = None
    seen: Seen = {}
    defaults = labels.DEFAULT_MEASURES.get(version, labels.DEFAULT_MEASURES["v2019"])
    for line in rows:
        text = line.key
        if "信息内容" in text:
            measures = []
            for cell in line.cells:
                for key in labels.measures_in(squeeze(cell)):
                    # a spanned header repeated in every covered cell names one measure
                    if key not in (m for m, _ in measures):
                        measures.append((key, _money_unit(cell)))
            continue
        if line.is_row and _placeholder_header(line.cells):
            measures = None  # a converter's 项目 | 数量 header: the template's measures apply
            continue
        # Extractions flatten some table 二 rows into prose ("行政许可 97"): split on spaces.
        row = split_row(line.cells if line.is_row else tuple(line.text.split()))
        item = labels.item_key(row.label)
        if item is None or not row.label or len(row.label) > labels.LABEL_MAX_CHARS:
            continue
        own = defaults.get(item, ())
        columns = measures if measures else [(m, None) for m in own]
        if measures and own and not {m for m, _ in measures} & set(own):
            # a header of another block (its own header lost): none of its measures is this
            # item's, so the template's are read instead
            columns = [(m, None) for m in own]
        if not columns:
            out.issue("row_unmatched", "warning", f"no measures known for item {item}", line)
            continue
        placement = place(row.values, len(columns), _loose(fmt))
        if line.padded and placement.values is not None and not _all_filled(placement):
            placement = Placement(None, f"the row has {line.padded} cell(s) fewer than its table")
        if placement.values is None:
            out.unplaced(
                "disclosures", item, [m for m, _ in columns], line, placement.problem, seen
            )
            continue
        placed = [
            _to_wan_yuan(m, unit, v, line, out)
            for (m, unit), v in zip(columns, placement.values, strict=True)
        ]
        if placement.problem:
            out.issue("row_extra_values", "info", f"table 二 {item}: {placement.problem}", line)
        out.add_row("disclosures", item, [m for m, _ in columns], placed, line, seen)


_PLACEHOLDER = re.compile(r"^(?:项目|数量|数据\d*|内容|指标|数值|列\d+|\d+)$")


def _placeholder_header(cells: tuple[str, ...]) -> bool:
    """A header row whose cells name no column (项目 | 数量, 数据1 | 数据2 …), as converters
    print the tables they cut apart."""
    named = [squeeze(c) for c in cells if c.strip()]
    return len(named) >= 2 and named[0] == "项目" and all(_PLACEHOLDER.match(c) for c in named)


def _money_unit(header_cell: str) -> str | None:
    if "万元" in header_cell:
        return "万元"
    if "元" in header_cell:
        return "元"
    return None


def _to_wan_yuan(
    measure: str, header_unit: str | None, value: Value, line: Line, out: TableResult
) -> Value:
    if measure not in labels.MONEY_MEASURES or value.number is None:
        return value
    unit = value.unit or header_unit
    if unit == "元":
        return Value(value.number / 10000, value.raw, "万元")
    if unit is None and value.number != 0:
        out.issue("unit_assumed", "info", f"{measure}: no unit printed, read as 万元", line)
    return Value(value.number, value.raw, "万元")


def _applicant_positions(cells: tuple[str, ...]) -> dict[str, int]:
    """Column index of each applicant type in a header row of a real grid."""
    positions: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = labels.applicant_key(squeeze(cell))
        if key and key not in positions:
            positions[key] = i
    return positions


def _is_applicant_header(line: Line) -> bool:
    if not line.is_row:
        return False
    if "自然人" in line.key or "申请人情况" in line.key:
        return any(squeeze(c) in ("自然人", "申请人情况") for c in line.cells)
    key = line.key
    return ("商业企业" in key) + ("科研机构" in key) + ("法律服务" in key) >= 2


def _between_anchors(positions: dict[str, int]) -> dict[str, int]:
    """自然人 and 总计 found exactly six columns apart: the five between them are the
    organisation columns in template order, even where extraction garbled their headers."""
    first, last = positions.get("natural_person"), positions.get("total")
    if first is None or last is None or last - first != len(APPLICANT_COLUMNS) - 1:
        return positions
    return {key: first + i for i, key in enumerate(APPLICANT_COLUMNS)}


def _by_header(line: Line, header: tuple[int, dict[str, int]] | None) -> list[str] | None:
    """The row's cells under the header's applicant columns, when the grid lines up."""
    if header is None or len(line.cells) != header[0]:
        return None
    picked = [line.cells[header[1][key]] for key in APPLICANT_COLUMNS]
    return picked if all(parse_value(c) is not None for c in picked) else None


@dataclass(slots=True)
class _Entry:
    line: Line
    own: str | None  # outcome named by the row's own label
    guess: str | None  # outcome named by label text floating above the row
    values: list[Value] | None
    problem: str | None
    label: str = ""
    blank: bool = False  # a labelled row with no figures (perhaps wrapped: figures below)


# Real table 三 row labels start with their numbering (一、 / (一) / 1.); fragments do not.
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十\d]+\)|\d+[.、])")


def _all_filled(placement: Placement) -> bool:
    return all(v is not None and v.raw for v in placement.values or ())


def _adjacent(entry: _Entry, line: Line) -> bool:
    return entry.line.number == line.number - 1


def parse_applications(rows: list[Line], version: str, fmt: str, out: TableResult) -> None:
    """Table 三: outcome rows x the seven applicant columns.

    Rows are keyed by their labels. A row of figures whose label floated away (PDF and
    Markdown extractions) is placed by the template's row order, but only when the unlabelled
    rows between two labelled ones are exactly as many as the outcomes missing between them.
    """
    entries = _application_entries(rows, fmt, out)
    _place_unlabelled(entries, version)
    seen: Seen = {}
    for entry in entries:
        key = entry.own or entry.guess
        if key is None:
            out.issue(
                "row_unmatched",
                "warning",
                "table 三 figures with no recognisable label and no unambiguous position",
                entry.line,
            )
            continue
        if entry.values is None:
            out.unplaced("applications", key, APPLICANT_COLUMNS, entry.line, entry.problem, seen)
            continue
        if entry.problem:
            out.issue("row_extra_values", "info", f"table 三 {key}: {entry.problem}", entry.line)
        out.add_row("applications", key, APPLICANT_COLUMNS, entry.values, entry.line, seen)
    _drop_blank_single_other_row(out, seen)
    _missing_where_doubled(entries, version, out, seen)


def _missing_where_doubled(
    entries: list[_Entry], version: str, out: TableResult, seen: Seen
) -> None:
    """The table's own structure, read back: a row of the template that is missing while another
    is doubled means one line's label was not its own, so the missing row's figures are among
    the doubled ones. Said as an error on the missing rows; nothing is stored for them."""
    doubled = sorted(k for t, k in out.doubled if t == "applications")
    if not doubled:
        return
    skeleton = labels.outcome_skeleton(version, "other_handling" in seen)
    missing = [k for k in skeleton if k not in seen]
    line = next(e.line for e in entries if (e.own or e.guess) == doubled[0])
    for key in missing:
        out.issue(
            "row_placement_suspect",
            "error",
            f"applications {key}: missing from table 三 while {', '.join(doubled)} is read "
            "twice; its figures may be on one of those lines; no figure stored",
            line,
        )


def _application_entries(rows: list[Line], fmt: str, out: TableResult) -> list[_Entry]:
    entries: list[_Entry] = []
    group: str | None = None
    last_outcome: str | None = None
    pending = ""  # label text of preceding value-less rows, for labels broken away from values
    header: tuple[int, dict[str, int]] | None = None
    partial: tuple[int, dict[str, int]] | None = None
    ncols = len(APPLICANT_COLUMNS)
    for line in rows:
        row = split_row(line.cells)
        if _is_applicant_header(line):
            # Header rows stack (自然人 / 总计 above the five organisation columns): merge the
            # positions of consecutive header rows of one grid width.
            positions = _applicant_positions(line.cells)
            if partial and partial[0] == len(line.cells):
                positions = {**partial[1], **positions}
            positions = _between_anchors(positions)
            partial = (len(line.cells), positions)
            if len(positions) == ncols and not _loose(fmt):
                header = partial
            continue
        partial = None
        group = labels.outcome_group(row.label) or group
        outcome = labels.match_outcome(row.label, group)
        figureless = not any(map(str.strip, row.values))
        if figureless and row.label and not _NUMBERED.match(row.label):
            # A label fragment wrapped onto its own line (容仍不明确, 期不补正…): it completes the
            # row above when that row's figures came first, else the row below.
            previous = entries[-1] if entries else None
            if previous is not None and _adjacent(previous, line):
                completed = labels.match_outcome(previous.label + row.label, group)
                if completed and previous.own and completed != previous.own:
                    previous.own = completed
                previous.label += row.label
                last_outcome = previous.own or last_outcome
            else:
                pending += row.label
            continue
        if figureless:
            if outcome and outcome == last_outcome:
                continue  # the rest of the previous row's label, wrapped onto its own line
            if outcome and line.is_row and len(row.values) >= ncols:
                blank = [Value(None, "")] * ncols  # a real row whose cells are all blank
                entries.append(_Entry(line, outcome, None, blank, None, row.label, blank=True))
                last_outcome = outcome
            elif row.label:
                pending = row.label if outcome else pending + row.label
            continue
        guess = labels.match_outcome(pending + row.label, group) if not outcome else None
        aligned = _by_header(line, header)
        placement = (
            Placement(tuple(parse_value(c) for c in aligned))
            if aligned is not None
            else place(row.values, ncols, _loose(fmt))
        )
        if line.padded and placement.values is not None and not _all_filled(placement):
            # a short row squared with blanks: its figures may belong further right
            placement = Placement(None, f"the row has {line.padded} cell(s) fewer than its table")
        if outcome is None and placement.values is None:
            out.issue("stray_values", "info", "figures outside any table 三 row are ignored", line)
            continue
        fragment = bool(row.label) and not _NUMBERED.match(row.label)
        previous = entries[-1] if entries else None
        follows_blank = previous is not None and previous.blank
        if fragment and outcome is None and follows_blank and _adjacent(previous, line):
            # figures on the second line of a wrapped label whose first line looked blank
            previous.values, previous.problem, previous.blank = (
                placement.values, placement.problem, False,
            )  # fmt: skip
            previous.label += row.label
            continue
        if pending and fragment:
            # figures on the second line of a wrapped label: the first line names the row
            outcome = labels.match_outcome(pending + row.label, group) or outcome
        pending = ""
        last_outcome = outcome or last_outcome
        entries.append(_Entry(line, outcome, guess, placement.values, placement.problem, row.label))
    return entries


def _place_unlabelled(entries: list[_Entry], version: str) -> None:
    anchored = [e.own for e in entries if e.own]
    skeleton = labels.outcome_skeleton(version, "other_handling" in anchored)
    index = {key: i for i, key in enumerate(skeleton)}
    anchors = [(i, index[e.own]) for i, e in enumerate(entries) if e.own in index]
    bounds = [(-1, -1), *anchors, (len(entries), len(skeleton))]
    for (left_entry, left_key), (right_entry, right_key) in itertools.pairwise(bounds):
        loose = [e for e in entries[left_entry + 1 : right_entry] if e.own is None]
        missing = [k for k in skeleton[left_key + 1 : right_key] if k not in anchored]
        if loose and len(loose) == len(missing):
            for entry, key in zip(loose, missing, strict=True):
                entry.own, entry.guess = key, None
                entry.problem = (
                    f"label not beside its figures; placed as {key} by the template's row order"
                    + (f" ({entry.problem})" if entry.problem else "")
                )


def _drop_blank_single_other_row(out: TableResult, seen: Seen) -> None:
    """A blank （六）其他处理 group row above the three 2021 sub-rows is a heading, not data."""
    sub_rows = ("other_overdue_correction", "other_overdue_fee", "other_reasons")
    if "other_handling" not in seen or not any(k in seen for k in sub_rows):
        return
    group = [
        f for f in out.facts if f.table_key == "applications" and f.row_key == "other_handling"
    ]
    if all(f.value is None for f in group):
        out.facts = [
            f
            for f in out.facts
            if not (f.table_key == "applications" and f.row_key == "other_handling")
        ]


def _review_block(text: str) -> str | None:
    """The 复议 / 诉讼 block a heading line names, when it names exactly one."""
    if "复议后" in text:
        return "litigation_after_reconsideration"
    if "未经复议" in text or "直接起诉" in text:
        return "litigation_direct"
    if "行政复议" in text and "行政诉讼" not in text:
        return "reconsideration"
    return None


def parse_reviews(rows: list[Line], fmt: str, out: TableResult) -> None:
    """Table 四: one data row of 15 cells under the 行政复议 / 行政诉讼 header, or (as PDF
    converters print it) three rows of 5 cells, each under a heading naming its block."""
    columns = [(k, o) for k in REVIEW_KINDS for o in REVIEW_OUTCOMES]
    ncols = len(REVIEW_OUTCOMES)
    started = False
    block: str | None = None  # the block the latest heading named
    seen: Seen = {}
    for line in rows:
        text = line.key
        if not started:
            started = "行政复议" in text and len(text) <= labels.LABEL_MAX_CHARS
            block = _review_block(text) if started else None
            continue
        row = split_row(line.cells)
        if not any(map(str.strip, row.values)) or len(row.values) < ncols:
            if (len(text) <= labels.LABEL_MAX_CHARS and not line.is_row) or not row.values:
                block = _review_block(text) or (None if "行政诉讼" in text else block)
            continue
        if len(row.values) < len(columns) and _review_block_row(row, block, line, fmt, out, seen):
            if len(seen) == len(REVIEW_KINDS):
                return
            continue
        placement = place(row.values, len(columns), _loose(fmt))
        if placement.values is None:
            for kind in REVIEW_KINDS:
                if kind not in seen:
                    out.unplaced("reviews", kind, REVIEW_OUTCOMES, line, placement.problem, seen)
            return
        for kind in REVIEW_KINDS:
            vals = [v for (k, _), v in zip(columns, placement.values, strict=True) if k == kind]
            out.add_row("reviews", kind, REVIEW_OUTCOMES, vals, line, seen)
        return
    if started and not seen:
        out.issue("missing_table", "warning", "table 四 header found but no row of figures", None)


def _review_block_row(
    row: Row, block: str | None, line: Line, fmt: str, out: TableResult, seen: Seen
) -> bool:
    """A row of one block's five figures; False when the row is not one (15 figures)."""
    if sum(1 for v in row.values if v.strip()) > len(REVIEW_OUTCOMES):
        return False  # part of the fifteen figures of the one-row layout
    placement = place(row.values, len(REVIEW_OUTCOMES), _loose(fmt))
    if block is None:
        out.issue(
            "row_unmatched",
            "warning",
            "table 四 figures under no 行政复议 / 直接起诉 / 复议后起诉 heading",
            line,
        )
        return True
    if placement.values is None:
        out.unplaced("reviews", block, REVIEW_OUTCOMES, line, placement.problem, seen)
        return True
    out.add_row("reviews", block, REVIEW_OUTCOMES, placement.values, line, seen)
    return True


# The 2017-style 统计表: own-organ rows only; 下属单位 rows describe other organs.
_PRE2019_ROWS: list[tuple[str, str, str, str]] = [
    ("制发的公文总数", "disclosures", "official_documents", "issued"),
    ("主动公开的政策性文件", "disclosures", "policy_documents", "issued"),
    ("收到申请数", "applications", "new_received", "total"),
]
_PRE2019_CHILDREN: dict[str, list[tuple[str, str]]] = {
    "official_documents": [("主动公开", "marked_proactive")],
    "policy_documents": [("政策解读", "interpreted")],
}
_PRE2019_COMPLAINTS: list[tuple[str, str]] = [
    ("回应公众关注热点或重大舆情", "public_opinion_response"),
    ("领导信箱", "leader_mailbox"),
]


def parse_statistics(rows: list[Line], out: TableResult) -> None:
    """Pre-2019 统计指标 / 单位 / 汇总数 table, mapped as far as its rows match the vocabulary."""
    seen: set[tuple[str, str]] = set()
    parent: str | None = None
    started = False
    for line in rows:
        text = line.key
        if not started:
            started = "统计指标" in text
            continue
        row = split_row(line.cells)
        if not row.values:
            continue
        printed = [v for v in row.values if v.strip()] or [""]  # stray trailing tabs
        value = parse_value(printed[-1])
        if value is None or (not value.raw and sum(1 for c in line.cells if c) < 2):
            continue  # a group heading, not a figure
        own = "下属单位" not in row.label
        is_child = row.label.startswith("其中")
        mapped = False
        if not is_child:
            parent = None
            for needle, table, row_key, column in _PRE2019_ROWS:
                if needle in row.label and own and (row_key, column) not in seen:
                    seen.add((row_key, column))
                    out.facts.append(Fact(table, row_key, column, *value, line.number, line.source))
                    parent = row_key if table == "disclosures" else None
                    mapped = True
                    break
        elif parent:
            for needle, column in _PRE2019_CHILDREN.get(parent, []):
                if needle in row.label and (parent, column) not in seen:
                    seen.add((parent, column))
                    out.facts.append(
                        Fact("disclosures", parent, column, *value, line.number, line.source)
                    )
                    mapped = True
                    break
        for needle, channel in _PRE2019_COMPLAINTS:
            if needle in row.label and own:
                out.complaints.append((channel, value, line))
                mapped = True
                break
        if not mapped:
            out.issue(
                "statistics_row_unmapped",
                "info",
                f"pre-2019 statistics row has no vocabulary key: {row.label}",
                line,
            )
