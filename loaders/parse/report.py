"""Parse one Document into a ParsedReport: metadata, facts, complaints and issues."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from loaders.document import Document, Issue, Line
from loaders.parse import metadata as md
from loaders.parse.cells import stack_vertical_rows
from loaders.parse.complaints import Complaint, find_complaints
from loaders.parse.sections import section_spans
from loaders.parse.tables import (
    Fact,
    TableResult,
    parse_applications,
    parse_disclosures,
    parse_reviews,
    parse_statistics,
)


@dataclass
class ParsedReport:
    agency_name: str | None = None
    agency_source: str | None = None
    agency_evidence: str | None = None
    agency_line: int | None = None
    report_year: int | None = None
    report_year_evidence: str | None = None
    report_year_line: int | None = None
    template_version: str | None = None
    template_evidence: str | None = None
    published_on: date | None = None
    published_evidence: str | None = None
    published_line: int | None = None
    region_context: tuple[str, ...] = ()  # other names the page gives the organ
    region_places: tuple[str, ...] = ()  # places of the organ's level, for 市外办-style names
    facts: list[Fact] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def _span(lines: list[Line], spans: dict[str, tuple[int, int]], name: str) -> list[Line]:
    if name in spans:
        start, end = spans[name]
        return lines[start:end]
    return lines


def parse_document(doc: Document) -> ParsedReport:
    lines = doc.lines
    report = ParsedReport(issues=list(doc.issues))
    _parse_metadata(lines, report)

    lines = stack_vertical_rows(lines)  # the tables' lines; metadata read the page as printed
    spans = section_spans(lines)
    tables = TableResult()
    version = report.template_version
    if version == "pre2019":
        parse_statistics(lines, tables)
    else:
        version = version or "v2019"
        parsers = {
            "disclosures": lambda rows: parse_disclosures(rows, version, doc.format, tables),
            "applications": lambda rows: parse_applications(rows, version, doc.format, tables),
            "reviews": lambda rows: parse_reviews(rows, doc.format, tables),
        }
        for table, parse_table in parsers.items():
            # each parser adds facts of its own table only: a count tells whether it found any
            before = len(tables.facts)
            parse_table(_span(lines, spans, table))
            if table in spans and len(tables.facts) == before:
                parse_table(lines)  # the section title was misread: look everywhere
            if len(tables.facts) == before:
                tables.issue("missing_table", "warning", f"no {table} table found", None)
    report.facts = tables.facts
    report.issues.extend(tables.issues)

    complaints = {c.channel_key: c for c in find_complaints(lines)}
    for channel, value, line in tables.complaints:
        if channel not in complaints and value.number is not None:
            complaints[channel] = Complaint(
                channel, value.number, value.unit or "", line.text, line
            )
    report.complaints = sorted(complaints.values(), key=lambda c: c.line.number)
    return report


def _parse_metadata(lines: list[Line], report: ParsedReport) -> None:
    end = md.header_end(lines)  # where the page's furniture and title stop
    title = md.find_title(lines, end)
    title_line, title_agency, title_year = title if title else (None, None, None)
    signoff = md.find_signoff(lines)
    field_agency = md.find_field_agency(lines, end)
    body_agency = md.find_body_agency(lines, end) if not (title_agency or signoff) else None

    if title_agency and signoff and title_agency in signoff[1]:
        # The sign-off often spells out what the title abbreviates (…园区 → …园区管委会).
        name, source, line = signoff[1], "title+signoff", signoff[0]
    elif title_agency and field_agency and md.completes(field_agency[1], title_agency):
        # 发布机构 / 来源 name in full the organ the title shortens (开发区管委会, 县政府办)
        name, source, line = field_agency[1], "title+header", field_agency[0]
    elif title_agency:
        name, source, line = title_agency, "title", title_line
    elif signoff:
        name, source, line = signoff[1], "signoff", signoff[0]
    elif field_agency:
        name, source, line = field_agency[1], "header", field_agency[0]
    elif body_agency:
        name, source, line = body_agency[1], "body", body_agency[0]
        report.issues.append(
            Issue(
                "agency_from_body",
                "info",
                f"no title, sign-off or page field names the organ; the body names {name}",
                line.number,
                line.source,
            )
        )
    else:
        name, source, line = None, None, None
    if name is None:
        report.issues.append(
            Issue(
                "agency_unknown",
                "warning",
                "no title, sign-off, page field or body sentence names the organ",
            )
        )
    else:
        report.agency_name, report.agency_source = name, source
        report.agency_evidence, report.agency_line = line.text, line.number
        report.region_context = md.region_context(lines, name, end)
        report.region_places = md.level_places(lines, name)
        if signoff and signoff[1] != name and name not in signoff[1]:
            report.issues.append(
                Issue(
                    "agency_variant",
                    "info",
                    f"sign-off names {signoff[1]}",
                    signoff[0].number,
                    signoff[0].source,
                )
            )
        for other_line, other in md.other_agencies(lines, name):
            report.issues.append(
                Issue(
                    "agency_conflict",
                    "warning",
                    f"text names another organ's report ({other}); the title's {name} is kept",
                    other_line.number,
                    other_line.source,
                )
            )
        for var_line, variant in md.form_agencies(lines):
            if variant != name and variant not in name and name not in variant:
                report.issues.append(
                    Issue(
                        "agency_variant",
                        "info",
                        f"form names {variant}",
                        var_line.number,
                        var_line.source,
                    )
                )

    year, year_issues = md.find_year(lines, title_year, title_line)
    report.issues.extend(year_issues)
    if year:
        report.report_year = int(year.value)  # type: ignore[arg-type]
        report.report_year_evidence = year.text
        report.report_year_line = year.line.number if year.line else None

    version, evidence, version_issues = md.detect_version(lines, report.report_year)
    report.template_version, report.template_evidence = version, evidence
    report.issues.extend(version_issues)

    dated = (signoff[2], signoff[3]) if signoff else md.find_page_date(lines, title_line, end)
    if dated:
        report.published_on = dated[1]
        report.published_evidence, report.published_line = dated[0].text, dated[0].number
        if report.report_year and dated[1] < date(report.report_year, 12, 31):
            report.issues.append(
                Issue(
                    "published_before_year_end",
                    "warning",
                    f"published {dated[1].isoformat()}, before the end of report year "
                    f"{report.report_year}: kept as stated",
                    dated[0].number,
                    dated[0].source,
                )
            )
