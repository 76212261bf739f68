"""`nianbao generate`: synthetic reports and their gold (`loaders/synthetic/`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(args: argparse.Namespace) -> int:
    from loaders.synthetic.corpus import generate

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    try:
        gold = generate(args.n, Path(args.out), seed=args.seed, formats=formats)
    except (ValueError, RuntimeError) as exc:
        print(f"nianbao generate: {exc}", file=sys.stderr)
        return 2
    print(f"{args.n} reports and {gold}")
    return 0
