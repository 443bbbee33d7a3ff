"""Print the schema's SDL: ``python -m stakegraph.web.schema_export > src/stakegraph/web/schema.graphql``."""

from __future__ import annotations

import sys

from stakegraph.web.schema import build_schema


def sdl() -> str:
    """The SDL of the schema built with default settings (limits do not change the SDL)."""
    return build_schema().as_str() + "\n"


def main() -> None:
    sys.stdout.write(sdl())


if __name__ == "__main__":
    main()
