"""Notebook parameters from the environment, so that they can be set without editing a cell.

`NIANBAO_AGENCY_KIND=government make notebooks` (or a papermill-style run that sets the
environment) gives the parameter `AGENCY_KIND` the value "government". A value is read as JSON
when it parses (`2019`, `null`, `["a", "b"]`), else as plain text.
"""

from __future__ import annotations

import json
import os
from typing import Any

PREFIX = "NIANBAO_"


def param(name: str, default: Any) -> Any:
    """The value of NIANBAO_<name> when set, else `default`."""
    raw = os.environ.get(PREFIX + name)
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw
