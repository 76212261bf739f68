"""The building blocks of a suite: the frame it validates, severities, and shared expectations."""

from __future__ import annotations

from dataclasses import dataclass

import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from loaders.vocabulary import by_kind

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)

# 条例 2007 took effect on 2008-05-01, so 2008 is the first year an annual report can cover
FIRST_REPORT_YEAR = 2008
# filled in at run time (expectations/runner.py), so the committed JSON does not change every January
CURRENT_YEAR = {"$PARAMETER": "current_year"}

TEMPLATE_VERSIONS = ["pre2019", "v2019", "v2021"]
SOURCE_FORMATS = ["doc", "docx", "html", "image", "md", "ofd", "pdf", "txt"]
FACT_TABLES = ["applications", "disclosures", "reviews"]
# the only measure printed with a sign (本年增/减); every other figure is a count or an amount
SIGNED_MEASURES = ["items_change"]

# a check scoped to what changed (`nianbao check --since-last-check`, the nightly run) creates this
# relation (one column, report_id) with the reports loaded since the last successful check
NEW_REPORTS = "new_reports"
# the least number of rows a suite's frame must have (expectations/runner.py fills it in): 1, or 0 when a
# scoped frame leaves out rows of the relation, so that "the relation has rows" still holds
MIN_ROWS = {"$PARAMETER": "min_rows"}


@dataclass(frozen=True, kw_only=True)
class SuiteSpec:
    """A suite and the frame it runs on.

    `sql` is a read-only query on the warehouse; its result is the dataframe GX validates (by
    default the whole of `table`). `requires` are the relations it reads (by default `table`): a
    missing one fails the suite with a hint (or skips it when `optional`). `id_columns` identify
    a row in the examples printed for a failure.
    `scope` is a SQL condition on the frame's columns that keeps the rows a check scoped to new
    reports validates (it may read `new_reports`); None: the suite is about the whole relation and
    always validates all of it. `scoped_sql`, for a frame aggregated from large relations: the same
    query reading only the rows of the reports in scope, which a scoped check runs instead of `sql`
    (filtering after the aggregation would aggregate every report first); `scope` still applies
    to its result, so it must give the rows of `sql` that `scope` keeps.
    """

    name: str
    layer: str  # raw | marts | cross_layer
    table: str  # where an analyst looks when the suite fails
    description: str
    expectations: tuple[gxe.Expectation, ...]
    sql: str = ""
    requires: tuple[str, ...] = ()
    id_columns: tuple[str, ...] = ("report_id",)
    optional: bool = False
    scope: str | None = None
    scoped_sql: str | None = None

    def __post_init__(self) -> None:
        # a suite on one relation reads all of it; a frame built from several names them
        if not self.sql:
            object.__setattr__(self, "sql", f"select * from {self.table}")
        if not self.requires:
            object.__setattr__(self, "requires", (self.table,))

    @property
    def report_column(self) -> str | None:
        """The column naming each row's report, when the scope keeps exactly the rows of the
        reports in scope: any set of reports can then be validated alone with the same outcome
        on its rows (every expectation is about single rows, or a key that holds the report), so
        a large frame can be validated in slices of reports."""
        if self.scoped_sql is None:
            for column in ("report_id", "document_id"):
                if self.scope == rows_of_new_reports(column):
                    return column
        return None


# our two severities on GX's own scale, so that data docs show the same thing
GX_SEVERITY = {ERROR: "critical", WARNING: "warning"}


def severity(level: str, remedy: str) -> dict:
    """Keyword arguments of an expectation: severity (in meta and GX's field) and the remedy."""
    return {"severity": GX_SEVERITY[level], "meta": {"severity": level, "remedy": remedy}}


def error(remedy: str) -> dict:
    """A failure makes the warehouse wrong to query: `nianbao check` exits non-zero."""
    return severity(ERROR, remedy)


def warning(remedy: str) -> dict:
    """A fact about the source documents worth a look: reported, exit status stays 0."""
    return severity(WARNING, remedy)


def vocabulary() -> dict[tuple[str, str], list[str]]:
    """Canonical keys by (fact, key kind), sorted, e.g. ("disclosures", "item") -> [...]."""
    return {kind: sorted(values) for kind, values in by_kind().items()}


def has_columns(columns: list[str], relation: str) -> gxe.Expectation:
    return gxe.ExpectTableColumnsToMatchSet(
        column_set=columns,
        exact_match=False,
        **error(
            f"{relation} lacks a column that notebooks and the contract (docs/contract.md) "
            "rely on: restore it in the model or loader that dropped or renamed it."
        ),
    )


def rows_of_new_reports(column: str = "report_id") -> str:
    """Scope of a frame whose rows belong to one report each, named by `column`.

    Every row of a new report is kept, so a key that includes the report (uniqueness) is checked
    on all its rows; a row naming no report belongs to no earlier check either, so it is kept too.
    """
    return f"{column} is null or {column} in (select report_id from {NEW_REPORTS})"


def has_rows(relation: str, remedy: str) -> gxe.Expectation:
    return gxe.ExpectTableRowCountToBeBetween(
        min_value=MIN_ROWS, **error(f"{relation} is empty: {remedy}")
    )


def not_null(column: str, remedy: str, level: str = ERROR) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToNotBeNull(column=column, **severity(level, remedy))


def unique(columns: list[str], remedy: str) -> gxe.Expectation:
    if len(columns) == 1:
        return gxe.ExpectColumnValuesToBeUnique(column=columns[0], **error(remedy))
    return gxe.ExpectCompoundColumnsToBeUnique(column_list=columns, **error(remedy))


def in_vocabulary(
    column: str, fact: str, key_kind: str, only_where_table: str | None = None
) -> gxe.Expectation:
    """Keys drawn from vocabulary.csv; raw.cells mixes the three tables, hence the row condition."""
    return gxe.ExpectColumnValuesToBeInSet(
        column=column,
        value_set=vocabulary()[(fact, key_kind)],
        row_condition=(Column("table_key") == only_where_table) if only_where_table else None,
        **error(
            f"{column} holds a key that dbt_project/seeds/vocabulary.csv does not list as a "
            f"{key_kind} of {fact}, so label joins and comparisons across reports miss it. Map the "
            "label to an existing key in loaders/parse/labels.py, or add the key to the "
            "vocabulary (dbt_project/seeds/vocabulary.csv, then nianbao build --full-refresh)."
        ),
    )


def non_negative(column: str, measure_column: str | None = None) -> gxe.Expectation:
    """Counts and amounts cannot be negative; the signed change measure is exempt."""
    condition = Column(measure_column).is_not_in(SIGNED_MEASURES) if measure_column else None
    return gxe.ExpectColumnValuesToBeBetween(
        column=column,
        min_value=0,
        row_condition=condition,
        **error(
            "A count or amount is negative. Open the report at line_number: a '-' read as a "
            "minus sign (a dash for 'none', a range, a footnote) is a parser bug in "
            "loaders/parse/values.py; a value that really is negative in the report is a "
            "reporting error: record it as a parse issue and null the cell."
        ),
    )


def report_year_in_range(column: str = "report_year") -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeBetween(
        column=column,
        min_value=FIRST_REPORT_YEAR,
        max_value=CURRENT_YEAR,
        **error(
            f"A report year outside {FIRST_REPORT_YEAR}..this year cannot be an annual report "
            "year: the year was read from the wrong number (report_year_evidence in raw.reports "
            "shows the text used). Fix the year rule in loaders/parse/metadata.py, then reload."
        ),
    )


def template_version_known(column: str = "template_version") -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeInSet(
        column=column,
        value_set=TEMPLATE_VERSIONS,
        **error(
            "template_version must be pre2019, v2019 or v2021: fix the detection in "
            "loaders/parse/metadata.py (template_evidence shows what decided it)."
        ),
    )
