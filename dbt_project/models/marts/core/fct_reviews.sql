-- Incremental: a build processes only the reports loaded since the latest loaded_at already in
-- the table (a report is immutable and its rows depend on nothing but its own cells, its
-- resolved agency / region and the seeds); `--full-refresh` rebuilds it from every report.
-- A build brings whole reports, so they replace rows by report_id (one key column: a cheap delete).
{{ config(unique_key='report_id') }}

{{ cell_fact('reviews', 'review_kind', 'outcome') }}
