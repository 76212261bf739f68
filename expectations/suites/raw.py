"""Suites on the raw layer: what the loaders wrote, checked before anyone builds on it."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.spec import (
    FACT_TABLES,
    SOURCE_FORMATS,
    SuiteSpec,
    error,
    has_columns,
    has_rows,
    in_vocabulary,
    non_negative,
    not_null,
    report_year_in_range,
    rows_of_new_reports,
    template_version_known,
    unique,
    warning,
)

RELOAD = "load the reports: nianbao load PATH"
# raw rows are inserted with their document and never changed, so the rows of the documents loaded
# since the last successful check are all a scoped check has not seen; document_id is in every key
# a raw suite checks for uniqueness
ROWS_OF_NEW_DOCUMENTS = rows_of_new_reports("document_id")

RAW_DOCUMENTS = SuiteSpec(
    name="raw_documents",
    layer="raw",
    table="raw.documents",
    description="One row per loaded file, keyed by the SHA-256 of its bytes.",
    # the text itself stays in DuckDB: only its length matters here
    sql="""
        select * exclude (text), length(text) as text_chars
        from raw.documents
    """,
    id_columns=("document_id", "source_file_name"),
    scope=ROWS_OF_NEW_DOCUMENTS,
    expectations=(
        has_columns(
            ["document_id", "source_file_name", "source_format", "size_bytes", "loaded_at"],
            "raw.documents",
        ),
        has_rows("raw.documents", RELOAD),
        not_null("document_id", "Every file is keyed by its SHA-256: fix loaders/store/writer.py."),
        unique(["document_id"], "The same file was stored twice: fix the upsert in store.py."),
        gxe.ExpectColumnValuesToBeInSet(
            column="source_format",
            value_set=SOURCE_FORMATS,
            **error(
                "A file format the readers do not know was stored: add a reader in "
                "loaders/readers/ or refuse the file in loaders/store/load.py."
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="text_chars",
            min_value=1,
            **warning(
                "A document yielded no text (a scanned PDF or an empty file): nothing can be "
                "parsed from it. Find a text version of the report or leave it out."
            ),
        ),
    ),
)

RAW_REPORTS = SuiteSpec(
    name="raw_reports",
    layer="raw",
    table="raw.reports",
    description="One row per document: agency, year, template version, publication date.",
    id_columns=("document_id", "agency_name", "report_year"),
    scope=ROWS_OF_NEW_DOCUMENTS,
    expectations=(
        has_columns(
            ["document_id", "agency_name", "report_year", "template_version", "published_on"],
            "raw.reports",
        ),
        has_rows("raw.reports", RELOAD),
        not_null("document_id", "raw.reports rows must point at raw.documents: fix store.py."),
        unique(["document_id"], "One metadata row per document: fix the upsert in store.py."),
        report_year_in_range(),
        template_version_known(),
        gxe.ExpectColumnValuesToMatchRegex(
            column="region_code",
            regex=r"^\d{6}$",
            **error(
                "region_code must be a 6-digit GB/T 2260 code: fix loaders/parse/regions.py "
                "(region_evidence shows the text it matched)."
            ),
        ),
    ),
)

RAW_CELLS = SuiteSpec(
    name="raw_cells",
    layer="raw",
    table="raw.cells",
    description="One row per table cell of tables 二 / 三 / 四 (and the pre-2019 statistics).",
    id_columns=("document_id", "table_key", "row_key", "column_key", "value_raw", "line_number"),
    scope=ROWS_OF_NEW_DOCUMENTS,
    expectations=(
        has_columns(
            ["document_id", "table_key", "row_key", "column_key", "value", "value_raw"],
            "raw.cells",
        ),
        has_rows("raw.cells", f"no report yielded a table cell; {RELOAD}"),
        gxe.ExpectColumnValuesToBeInSet(
            column="table_key",
            value_set=FACT_TABLES,
            **error(
                "raw.cells holds a table the marts do not know, so its cells reach no fact "
                "mart: fix the table detection in loaders/parse/tables.py."
            ),
        ),
        in_vocabulary("row_key", "disclosures", "item", only_where_table="disclosures"),
        in_vocabulary("column_key", "disclosures", "measure", only_where_table="disclosures"),
        in_vocabulary("row_key", "applications", "outcome", only_where_table="applications"),
        in_vocabulary(
            "column_key", "applications", "applicant_type", only_where_table="applications"
        ),
        in_vocabulary("row_key", "reviews", "review_kind", only_where_table="reviews"),
        in_vocabulary("column_key", "reviews", "outcome", only_where_table="reviews"),
        non_negative("value", measure_column="column_key"),
    ),
)

RAW_COMPLAINTS = SuiteSpec(
    name="raw_complaints",
    layer="raw",
    table="raw.complaints",
    description="One row per complaint or petition figure found in a report's narrative.",
    id_columns=("document_id", "channel_key", "evidence"),
    scope=ROWS_OF_NEW_DOCUMENTS,
    expectations=(
        has_columns(["document_id", "channel_key", "value", "evidence"], "raw.complaints"),
        in_vocabulary("channel_key", "complaints", "channel"),
        non_negative("value"),
        not_null(
            "evidence",
            "A complaint figure without the sentence it came from cannot be verified: fix "
            "loaders/parse/complaints.py.",
        ),
    ),
)

SUITES = (RAW_DOCUMENTS, RAW_REPORTS, RAW_CELLS, RAW_COMPLAINTS)
