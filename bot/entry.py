"""The `kombot` command's entry point.

Importing the commands (SQLAlchemy, numpy, pydantic, typer) allocates a few hundred
thousand objects that live as long as the process. With the collector on, it scans them
again and again while they are being created: about a fifth of a command's start-up.
So it is off while importing, and what was imported is then frozen out of its reach.
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    try:
        from bot.cli import main as run
    finally:
        gc.freeze()
        gc.enable()
    run()
