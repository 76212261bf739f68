"""The GX file context in `gx/`: open it, and sync the Python suites into it.

Layout (committed): `gx/great_expectations.yml` (with the `warehouse` pandas datasource: one
dataframe asset per suite), `gx/expectations/<suite>.json`, `gx/validation_definitions/<suite>.json`
and `gx/checkpoints/nianbao_warehouse.json`. Validation results and data docs go to the quality
directory beside the warehouse (`${NIANBAO_QUALITY_DIR}` in the yml), never into the repo.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from expectations.spec import SuiteSpec
from loaders.settings import EXPECTATIONS_DIR, PROJECT_ROOT

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext

GX_DIR = EXPECTATIONS_DIR / "gx"
SUITES_DIR = GX_DIR / "expectations"
DATASOURCE = "warehouse"
BATCH_DEFINITION = "whole_frame"
CHECKPOINT = "nianbao_warehouse"
QUALITY_DIR_VARIABLE = "NIANBAO_QUALITY_DIR"
# where a sync that runs nothing may point the results store; git-ignored
SYNC_QUALITY_DIR = GX_DIR / "uncommitted" / "quality"


def open_context(quality_dir: Path) -> FileDataContext:
    """The committed file context, with results and data docs under quality_dir."""
    import great_expectations as gx

    return gx.get_context(
        mode="file",
        project_root_dir=str(EXPECTATIONS_DIR),
        runtime_environment={QUALITY_DIR_VARIABLE: str(Path(quality_dir).resolve())},
    )


def build_suite(spec: SuiteSpec):
    """The GX suite of a spec, its expectations copied and given ids derived from their content.

    GX 1.24's `suites.add_or_update` compares expectations including their ids, so it never
    recognises an unchanged one and gives every expectation a new random id on each sync; ids
    from the content keep a re-sync with no change byte-identical.
    """
    import great_expectations as gx

    suite = gx.ExpectationSuite(
        name=spec.name,
        expectations=[copy.deepcopy(expectation) for expectation in spec.expectations],
        meta={
            "layer": spec.layer,
            "table": spec.table,
            "description": spec.description,
            "source": f"expectations/suites/ ({spec.name}); regenerate with python -m expectations",
        },
    )
    for expectation in suite.expectations:  # a suite refuses expectations that carry an id
        content = json.dumps(
            expectation.dict(exclude={"id", "rendered_content"}), sort_keys=True, default=str
        )
        expectation.id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"nianbao/{spec.name}/{content}"))
    return suite


def sync(specs: tuple[SuiteSpec, ...] | None = None) -> list[str]:
    """Write datasource assets, suites, validation definitions and the checkpoint; drop stale ones.

    Ids of unchanged objects are kept, so a sync with no change in the suites leaves git clean.
    Returns the names of the suites written.
    """
    import great_expectations as gx

    if specs is None:
        from expectations.suites import SUITES as specs

    context = open_context(SYNC_QUALITY_DIR)
    names = [spec.name for spec in specs]
    try:
        datasource = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        datasource = context.data_sources.add_pandas(name=DATASOURCE)

    validation_definitions = []
    for spec in specs:
        try:
            asset = datasource.get_asset(spec.name)
        except LookupError:
            asset = datasource.add_dataframe_asset(name=spec.name)
        try:
            batch_definition = asset.get_batch_definition(BATCH_DEFINITION)
        except (KeyError, ValueError):
            batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        suite = context.suites.add_or_update(build_suite(spec))
        validation_definitions.append(
            context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=suite)
            )
        )

    context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=CHECKPOINT,
            validation_definitions=validation_definitions,
            # data docs are built once per run by expectations/runner.py, not per suite by an action
            actions=[],
            # examples of failing rows need the row indices of the unexpected values
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20},
        )
    )

    for stale in [d for d in context.validation_definitions.all() if d.name not in names]:
        context.validation_definitions.delete(stale.name)
    for stale in [s for s in context.suites.all() if s.name not in names]:
        context.suites.delete(stale.name)
    for stale in [a.name for a in datasource.assets if a.name not in names]:
        datasource.delete_asset(stale)
    return names


def out_of_sync(specs: tuple[SuiteSpec, ...] | None = None) -> list[str]:
    """Suites whose committed JSON differs from the Python definition (ids aside)."""
    if specs is None:
        from expectations.suites import SUITES as specs

    def comparable(suite: dict) -> dict:
        suite = {k: v for k, v in suite.items() if k not in ("id", "notes")}
        suite["expectations"] = [
            {k: v for k, v in e.items() if k not in ("id", "rendered_content")}
            for e in suite["expectations"]
        ]
        return suite

    stale = []
    committed_names = {p.stem for p in SUITES_DIR.glob("*.json")}
    for spec in specs:
        path = SUITES_DIR / f"{spec.name}.json"
        built = json.loads(json.dumps(build_suite(spec).to_json_dict(), default=str))
        if not path.exists() or comparable(json.loads(path.read_text("utf-8"))) != comparable(
            built
        ):
            stale.append(spec.name)
    stale.extend(sorted(committed_names - {spec.name for spec in specs}))
    # the checkpoint must run exactly these suites, in this order
    checkpoint_path = GX_DIR / "checkpoints" / f"{CHECKPOINT}.json"
    if checkpoint_path.exists():
        checkpoint = json.loads(checkpoint_path.read_text("utf-8"))
        listed = [d["name"] for d in checkpoint["validation_definitions"]]
    else:
        listed = []
    if listed != [spec.name for spec in specs]:
        stale.append(f"checkpoint {CHECKPOINT}")
    return stale


def main() -> int:
    written = sync()
    print(f"synced {len(written)} suites into {SUITES_DIR.relative_to(PROJECT_ROOT)}")
    return 0
