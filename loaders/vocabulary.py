"""The vocabulary of the facts, read from its one copy: the dbt seed the marts are built with.

Rows are keys by fact and kind (`applications`/`applicant_type`/`natural_person`, ...). The seed
lists each kind's keys in the order the national templates print them, so the column orders of
the report tables come from here too.
"""

from __future__ import annotations

import csv
from functools import cache

from loaders.settings import VOCABULARY_SEED


@cache
def by_kind() -> dict[tuple[str, str], tuple[str, ...]]:
    """Keys by (fact, key kind), in the seed's (printed) order."""
    keys: dict[tuple[str, str], list[str]] = {}
    with VOCABULARY_SEED.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            keys.setdefault((row["fact"], row["key_kind"]), []).append(row["key"])
    return {kind: tuple(values) for kind, values in keys.items()}


# the column orders of tables 三 (applicants) and 四 (reviews)
APPLICANT_COLUMNS = by_kind()[("applications", "applicant_type")]
REVIEW_KINDS = by_kind()[("reviews", "review_kind")]
REVIEW_OUTCOMES = by_kind()[("reviews", "outcome")]
