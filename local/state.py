"""What the local stack remembers between runs, and where: ``.local/`` (or ``DEV_STATE_DIR``).

    aws-journal.jsonl   every change made to the local AWS (moto), replayed at start
    dev-keys.json       the demo tenants' API keys (valid as long as the journal is kept)
    demo-servers.json   where the demo ERP and project API listened last time
    stack.json          where the running stack is, for agentctl --local (removed on a clean stop)
    dev.pid             held (flock) while a stack runs on these files

``make dev-reset`` forgets all of it and starts afresh.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from local.template import ROOT

STATE_DIR_VARIABLE = "DEV_STATE_DIR"


class StackRunning(Exception):
    """Another local stack holds these files."""


@dataclass(frozen=True)
class LocalState:
    root: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> LocalState:
        return cls(Path(environ.get(STATE_DIR_VARIABLE) or ROOT / ".local"))

    @property
    def journal(self) -> Path:
        return self.root / "aws-journal.jsonl"

    @property
    def keys_file(self) -> Path:
        return self.root / "dev-keys.json"

    @property
    def servers_file(self) -> Path:
        return self.root / "demo-servers.json"

    @property
    def stack_file(self) -> Path:
        return self.root / "stack.json"

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold these files for one running stack; the kernel lets go when the process ends, however."""
        self.root.mkdir(parents=True, exist_ok=True)
        pid_file = self.root / "dev.pid"
        with pid_file.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "?"
                raise StackRunning(
                    f"another `make dev` (pid {holder}) is running on {self.root}: stop it first"
                ) from None
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            try:
                yield
            finally:
                handle.truncate(0)

    def forget(self) -> None:
        """Remove everything remembered (call it while :meth:`held`)."""
        for path in (self.journal, self.keys_file, self.servers_file, self.stack_file):
            path.unlink(missing_ok=True)


def read_strings(path: Path) -> dict[str, str]:
    """A remembered JSON object's string fields; empty if the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}
