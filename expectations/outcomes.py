"""What a check found: its scope, each expectation's outcome, each suite's, and the whole run's."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CheckScope:
    """The reports a check validates: all of them, or those loaded since the last good check."""

    since: datetime | None = None  # start of the last run whose check succeeded (UTC, naive)
    after_run: str | None = None  # that run: what it loaded itself was part of its check
    reports: int | None = None  # reports loaded since; None when the check covers all

    @property
    def is_full(self) -> bool:
        return self.since is None

    def limits(self, spec) -> bool:
        """True when the suite validates only the rows of the new reports."""
        return not self.is_full and spec.scope is not None

    @property
    def description(self) -> str:
        if self.is_full:
            return "all reports"
        return (
            f"{self.reports} reports loaded since {self.since:%Y-%m-%d %H:%M:%S} UTC "
            f"(the last successful check, run {self.after_run})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "reports": "all" if self.is_full else self.reports,
            "since": self.since.isoformat() if self.since else None,
            "after_run": self.after_run,
            "description": self.description,
        }


@dataclass
class ExpectationOutcome:
    """One expectation of one suite, as run."""

    suite: str
    table: str
    expectation: str  # GX type, e.g. expect_column_values_to_be_between
    description: str  # the rule in words: "value >= 0 where column_key not in ['items_change']"
    severity: str  # error | warning
    success: bool
    remedy: str
    element_count: int | None = None
    unexpected_count: int | None = None
    observed: str | None = None  # table-level expectations: what was seen instead
    examples: list[dict[str, Any]] = field(default_factory=list)
    exception: str | None = None

    @property
    def headline(self) -> str:
        return f"{self.suite} ({self.table}): {self.description}"


@dataclass
class SuiteOutcome:
    name: str
    layer: str
    table: str
    status: str  # passed | failed | missing (a relation it needs is absent) | skipped (optional)
    rows: int | None
    outcomes: list[ExpectationOutcome]
    note: str = ""
    scoped: bool = False  # the frame held only the rows of the new reports
    slices: int = 1  # validated in this many slices of whole reports

    @property
    def expectations(self) -> int:
        return len(self.outcomes)

    @property
    def passed(self) -> int:
        return sum(o.success for o in self.outcomes)

    @property
    def failed(self) -> int:
        return self.expectations - self.passed

    @property
    def severity(self) -> str:
        """The worst severity among the failures; empty when nothing failed."""
        levels = {o.severity for o in self.outcomes if not o.success}
        return "error" if "error" in levels else ("warning" if levels else "")


@dataclass
class CheckResult:
    db_path: Path
    quality_dir: Path
    report_path: Path
    data_docs_path: Path | None
    started_at: datetime
    seconds: float
    suites: list[SuiteOutcome]
    fatal: str | None = None  # the checks could not run at all (warehouse missing or locked)
    scope: CheckScope | None = None  # None when the warehouse was not read

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for s in self.suites for o in s.outcomes if not o.success]

    @property
    def errors(self) -> list[ExpectationOutcome]:
        return [o for o in self.failures if o.severity == "error"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.failures if o.severity == "warning"]

    @property
    def exit_code(self) -> int:
        """0 when no error-severity expectation failed, 1 when one did, 2 when nothing could run."""
        if self.fatal:
            return 2
        return 1 if self.errors else 0

    @property
    def status(self) -> str:
        return {0: "success", 1: "error"}.get(self.exit_code, "not_run")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary for the nightly run log."""
        return {
            "db_path": str(self.db_path),
            "report_path": str(self.report_path),
            "data_docs_path": str(self.data_docs_path) if self.data_docs_path else None,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "seconds": round(self.seconds, 2),
            "status": self.status,
            "exit_code": self.exit_code,
            "fatal": self.fatal,
            "scope": self.scope.to_dict() if self.scope else None,
            "expectations": sum(s.expectations for s in self.suites),
            "failed_errors": len(self.errors),
            "failed_warnings": len(self.warnings),
            "suites": [
                {
                    "name": s.name,
                    "layer": s.layer,
                    "table": s.table,
                    "status": s.status,
                    "rows": s.rows,
                    "scoped": s.scoped,
                    "slices": s.slices,
                    "expectations": s.expectations,
                    "passed": s.passed,
                    "failed": s.failed,
                    "severity": s.severity,
                    "note": s.note,
                }
                for s in self.suites
            ],
            "failures": [asdict(o) for o in self.failures],
        }
