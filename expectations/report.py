"""The check's report: the summary printed to the terminal and the offline HTML page."""

from __future__ import annotations

import html
import json
import os
from datetime import date, datetime
from typing import Any

from expectations.outcomes import CheckResult, ExpectationOutcome, SuiteOutcome
from loaders.settings import EXPECTATIONS_DIR, PROJECT_ROOT


def plain(value: Any) -> Any:
    """A JSON- and print-friendly cell value: None for nulls, ints for whole numbers, ISO dates."""
    import pandas as pd

    if getattr(value, "ndim", 0) or isinstance(value, (list, tuple)):  # list columns
        return [plain(v) for v in value]
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def shorten(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(kind: str, kwargs: dict) -> str:
    """The rule of an expectation in a line an analyst can read."""
    column = kwargs.get("column")
    condition = kwargs.get("row_condition")
    where = f" where {_condition_text(condition)}" if condition else ""
    if kind == "expect_column_values_to_not_be_null":
        text = f"{column} is never null"
    elif kind == "expect_column_values_to_be_unique":
        text = f"{column} is unique"
    elif kind == "expect_compound_columns_to_be_unique":
        text = f"({', '.join(kwargs['column_list'])}) is unique"
    elif kind == "expect_column_values_to_be_in_set":
        values = kwargs["value_set"]
        shown = ", ".join(map(str, values[:6])) + (
            f", … ({len(values)} keys)" if len(values) > 6 else ""
        )
        text = f"{column} in {{{shown}}}"
    elif kind == "expect_column_values_to_be_between":
        low, high = plain(kwargs.get("min_value")), plain(kwargs.get("max_value"))
        high = "current year" if isinstance(high, dict) else high
        if low is not None and high is not None:
            text = f"{low} <= {column} <= {high}"
        else:
            text = f"{column} >= {low}" if low is not None else f"{column} <= {high}"
    elif kind == "expect_column_values_to_match_regex":
        text = f"{column} matches {kwargs['regex']}"
    elif kind == "expect_column_pair_values_to_be_equal":
        text = f"{kwargs['column_A']} = {kwargs['column_B']}"
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        op = ">=" if kwargs.get("or_equal") else ">"
        text = f"{kwargs['column_A']} {op} {kwargs['column_B']} (rows missing either skipped)"
    elif kind == "expect_table_columns_to_match_set":
        text = f"has columns {', '.join(kwargs['column_set'])}"
    elif kind == "expect_table_row_count_to_be_between":
        # a floor of 0: a scoped frame without rows, beside rows of earlier reports
        floor = kwargs.get("min_value")
        text = "has rows (of earlier reports)" if floor == 0 else f"has at least {floor} row"
    else:
        text = f"{kind}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
    return text + where


def _condition_text(condition: Any) -> str:
    if isinstance(condition, dict):  # GX serialises Column(...) conditions as dicts
        column = condition.get("column", {}).get("name", "?")
        operator = condition.get("operator", "?")
        operator = {"IN": "in", "NOT_IN": "not in", "==": "="}.get(operator, operator)
        return f"{column} {operator} {condition.get('parameter')!r}"
    return str(condition)


def format_result(result: CheckResult, brief: bool = False) -> str:
    """What `nianbao check` prints: where the reports are, the summary table, each failure.

    `brief` (the nightly run and the demo) leaves out the table, and shows a warning as one line:
    the offline report has them in full."""
    if brief and not result.fatal:
        return _brief_result(result)
    lines = []
    if result.fatal:
        lines.append(f"CHECK NOT RUN: {result.fatal}")
    else:
        total = sum(s.expectations for s in result.suites)
        lines.append(
            f"checked {result.db_path} in {result.seconds:.1f} s: {len(result.suites)} suites, "
            f"{total} expectations, {len(result.errors)} failed with severity error, "
            f"{len(result.warnings)} with severity warning"
        )
        lines.append(f"scope: {_scope_text(result)}")
        lines.append("")
        header = ("suite", "layer", "rows", "expectations", "passed", "failed", "severity")
        rows = [
            (
                s.name,
                s.layer,
                "" if s.rows is None else str(s.rows),
                str(s.expectations),
                str(s.passed),
                str(s.failed),
                s.severity or (s.status if s.status == "skipped" else "-"),
            )
            for s in result.suites
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for i, row in enumerate([header, *rows]):
            lines.append(
                "  ".join(
                    cell.rjust(w) if 2 <= j <= 5 else cell.ljust(w)
                    for j, (cell, w) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        for failure in sorted(result.failures, key=lambda o: o.severity != "error"):
            lines.append("")
            lines.extend(_failure_lines(failure))
    if result.report_path.exists():
        lines.append("")
        lines.append(f"report (offline):  {result.report_path}")
    if result.data_docs_path:
        lines.append(f"GX data docs:      {result.data_docs_path}  (styled only when online)")
    return "\n".join(lines)


def _brief_result(result: CheckResult) -> str:
    total = sum(s.expectations for s in result.suites)
    headline = (
        f"check: {len(result.suites)} suites, {total} expectations on {_scope_text(result)}: "
        f"{len(result.errors)} failed with severity error, {len(result.warnings)} with severity "
        f"warning ({result.seconds:.1f} s)"
    )
    lines = [headline]
    for failure in sorted(result.failures, key=lambda o: o.severity != "error"):
        if failure.severity == "error":
            lines.extend(_failure_lines(failure))
        else:
            rows = (
                f": {failure.unexpected_count} of {failure.element_count} rows"
                if failure.unexpected_count is not None and failure.element_count
                else ""
            )
            lines.append(f"WARNING {failure.headline}{rows}")
    if result.report_path.exists():
        lines.append(f"data quality report: {result.report_path}")
    return "\n".join(lines)


def _rows_of(suite: SuiteOutcome) -> str:
    if suite.rows is None:
        return ""
    rows = "new reports" if suite.scoped else "all reports"
    return rows if suite.slices == 1 else f"{rows}, in {suite.slices} slices of whole reports"


def _scope_text(result: CheckResult) -> str:
    """The scope, and in a scoped check the suites that still read their whole relation."""
    if result.scope is None or result.scope.is_full:
        return "all reports"
    whole = [s.name for s in result.suites if not s.scoped and s.rows is not None]
    if not whole:
        return result.scope.description
    return f"{result.scope.description}; validated whole: {', '.join(whole)}"


def _failure_lines(o: ExpectationOutcome) -> list[str]:
    lines = [f"{o.severity.upper()} {o.headline}", f"  expectation: {o.expectation}"]
    if o.exception:
        lines.append(f"  could not be evaluated: {o.exception}")
    if o.unexpected_count is not None and o.element_count:
        share = o.unexpected_count / o.element_count
        lines.append(f"  {o.unexpected_count} of {o.element_count} rows fail ({share:.1%})")
    if o.observed:
        lines.append(f"  observed: {o.observed}")
    if o.examples:
        lines.append("  examples:")
        for row in o.examples:
            # 70 characters keep a SHA-256 report_id whole, ready to paste into a query
            lines.append("    " + ", ".join(f"{k}={shorten(v, 70)}" for k, v in row.items()))
    lines.append(f"  what to do: {o.remedy}")
    return lines


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:2em;
color:#222;max-width:80em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right}
.error{color:#b00020;font-weight:600}.warning{color:#a05a00;font-weight:600}.ok{color:#1b7f3b}
.failure{border-left:4px solid #b00020;padding:.2em 1em;margin:1em 0}
.failure.warning-box{border-color:#e09b00}
code{background:#f6f6f6;padding:0 .2em}
"""


def render_html(result: CheckResult) -> str:
    """The offline report: one self-contained page, no scripts, no external links needed."""
    e = html.escape
    status_class = {"success": "ok", "error": "error"}.get(result.status, "error")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>nianbao data quality</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>nianbao data quality</h1>",
        (
            f"<p>Warehouse <code>{e(str(result.db_path))}</code>, checked "
            f"{e(result.started_at.astimezone().strftime('%Y-%m-%d %H:%M:%S %Z'))} "
            f"in {result.seconds:.1f} s. Status: "
            f'<span id="status" class="{status_class}">{e(result.status)}</span></p>'
        ),
    ]
    if result.fatal:
        parts.append(f'<p class="error" id="fatal">Check not run: {e(result.fatal)}</p>')
    else:
        parts.append(f'<p>Scope: <span id="scope">{e(_scope_text(result))}</span>.</p>')
    parts.append(
        f"<p>{len(result.errors)} expectation(s) failed with severity <b>error</b> (the exit "
        f"status is non-zero), {len(result.warnings)} with severity <b>warning</b>.</p>"
    )
    if result.data_docs_path:
        relative = os.path.relpath(result.data_docs_path, result.report_path.parent)
        parts.append(
            f'<p>Great-expectations data docs: <a href="{e(relative)}">{e(relative)}</a> '
            "(they need internet access for their styling).</p>"
        )
    parts.append('<h2>Summary</h2><table id="summary"><thead><tr>')
    parts.append(
        "".join(
            f"<th>{h}</th>"
            for h in ("suite", "layer", "table", "rows", "expectations", "passed", "failed")
        )
        + "<th>severity</th><th>rows of</th></tr></thead><tbody>"
    )
    for s in result.suites:
        label = s.severity or (s.status if s.status in ("skipped", "missing") else "-")
        parts.append(
            f'<tr data-suite="{e(s.name)}"><td>{e(s.name)}</td><td>{e(s.layer)}</td>'
            f"<td>{e(s.table)}</td><td class=n>{'' if s.rows is None else s.rows}</td>"
            f"<td class=n>{s.expectations}</td><td class=n>{s.passed}</td>"
            f'<td class=n>{s.failed}</td><td class="{e(s.severity or "ok")}">{e(label)}'
            f"{' (' + e(s.note) + ')' if s.note else ''}</td>"
            f"<td>{_rows_of(s)}</td></tr>"
        )
    parts.append("</tbody></table>")
    if result.failures:
        parts.append('<h2>Failures</h2><div id="failures">')
        for o in sorted(result.failures, key=lambda o: o.severity != "error"):
            box = "failure" + (" warning-box" if o.severity == "warning" else "")
            parts.append(
                f'<div class="{box}" data-expectation="{e(o.expectation)}">'
                f'<p><span class="{e(o.severity)}">{e(o.severity.upper())}</span> '
                f"<b>{e(o.suite)}</b> ({e(o.table)}): {e(o.description)}<br>"
                f"<code>{e(o.expectation)}</code></p>"
            )
            if o.exception:
                parts.append(f"<p>Could not be evaluated: {e(o.exception)}</p>")
            if o.unexpected_count is not None and o.element_count:
                parts.append(f"<p>{o.unexpected_count} of {o.element_count} rows fail.</p>")
            if o.observed:
                parts.append(f"<p>Observed: <code>{e(o.observed)}</code></p>")
            if o.examples:
                columns = list(o.examples[0])
                parts.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in columns) + "</tr>")
                for row in o.examples:
                    parts.append(
                        "<tr>"
                        + "".join(f"<td>{e(shorten(row[c], 120))}</td>" for c in columns)
                        + "</tr>"
                    )
                parts.append("</table>")
            parts.append(f"<p><b>What to do:</b> {e(o.remedy)}</p></div>")
        parts.append("</div>")
    parts.append("<h2>All expectations</h2>")
    for s in result.suites:
        parts.append(
            f"<details><summary>{e(s.name)}: {s.passed}/{s.expectations} passed</summary>"
            "<table><tr><th>rule</th><th>severity</th><th>result</th></tr>"
        )
        for o in s.outcomes:
            verdict = "passed" if o.success else "FAILED"
            parts.append(
                f"<tr><td>{e(o.description)}</td><td>{e(o.severity)}</td>"
                f'<td class="{"ok" if o.success else e(o.severity)}">{verdict}</td></tr>'
            )
        parts.append("</table></details>")
    parts.append(
        f"<p><small>Suites: {e(str(EXPECTATIONS_DIR.relative_to(PROJECT_ROOT)))}/suites/ "
        "(GX 1.24 file context in expectations/gx/).</small></p></body></html>"
    )
    return "\n".join(parts) + "\n"
