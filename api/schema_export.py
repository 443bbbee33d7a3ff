"""Print the schema's SDL: ``python -m api.schema_export > api/schema.graphql``."""

from __future__ import annotations

import sys

from api.schema import build_schema


def sdl() -> str:
    """The SDL of the schema built with default settings (limits do not change the SDL)."""
    return build_schema().as_str() + "\n"


def main() -> None:
    sys.stdout.write(sdl())


if __name__ == "__main__":
    main()
