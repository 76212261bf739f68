"""All suites of the warehouse, in checkpoint order: raw layer, marts, then across layers."""

from __future__ import annotations

from expectations.spec import SuiteSpec
from expectations.suites import cross_layer, marts, raw

SUITES: tuple[SuiteSpec, ...] = (*raw.SUITES, *marts.SUITES, *cross_layer.SUITES)


def suite_specs() -> dict[str, SuiteSpec]:
    return {spec.name: spec for spec in SUITES}
