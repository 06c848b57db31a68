"""The options several `costbot` commands share, written once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="YAML config file (default: $COSTBOT_CONFIG or ./costbot.yml)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
PeriodOption = Annotated[
    str,
    typer.Option(
        "--period",
        "-p",
        help="today, yesterday, mtd, last-month, Nd, ytd, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD.",
    ),
]
