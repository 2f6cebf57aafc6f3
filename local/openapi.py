"""The API's OpenAPI document and the events' TypeScript types, made from the code:
``python -m local.openapi`` (``make openapi``) writes them, ``--check`` says whether they are current.

The document merges the routes template.yaml gives each function (``functions/<name>/app.py``);
the health function serves it at ``GET /openapi.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from agent_core.web.openapi import api_document, dumps
from local.events_ts import events_typescript
from local.functions import FUNCTIONS, load_function
from local.template import ROOT, api_routes

DOCUMENT = FUNCTIONS / "health" / "openapi.json"
EVENTS_TS = ROOT / "docs" / "events.d.ts"

DESCRIPTION = """\
The agent runtime's HTTP API. Every request but the health checks and this document carries the \
tenant's API key in `X-API-Key`. Every error is `{"error": {"code", "message", "request_id"}}` \
and every response names its request in `X-Request-Id`.

The streamed routes answer Server-Sent Events (`text/event-stream`): each event's `event:` is its \
type, its `id:` is `<run_id>:<seq>` (send it back as `Last-Event-ID` to resume), its `data:` the \
event as JSON, described by the schema of the same name (`StreamEvent` is any of them). The \
`x-itemSchema` of a stream's content is OpenAPI 3.2's `itemSchema`, kept as an extension here. \
`docs/events.d.ts` has the same events as TypeScript types."""


def generated() -> dict[str, Any]:
    """The document, from the function apps and template.yaml's routes."""
    # Loading a function builds its runtime from the environment (nothing is called): any
    # settings do, and no AWS account is needed.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("MODEL_PROVIDER", "local")
    routes = api_routes()
    functions = sorted({route.function for route in routes})
    parts = [
        (load_function(name).app, [(r.method, r.path) for r in routes if r.function == name])
        for name in functions
    ]
    return api_document(parts, title="agent-runtime API", version="1", description=DESCRIPTION)


def outputs() -> dict[Path, str]:
    document = generated()
    return {DOCUMENT: dumps(document), EVENTS_TS: events_typescript(document)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.openapi", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only say whether the files are current")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        current = path.read_text() if path.exists() else None
        if current != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(text)
    if args.check and stale:
        print(f"out of date (run make openapi): {', '.join(map(str, stale))}", file=sys.stderr)
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
