"""``python -m agent_core.cli``: the same as the ``agentctl`` console script."""

from agent_core.cli import main

raise SystemExit(main())
