"""``python -m agentctl``: the same as the ``agentctl`` console script."""

from agentctl import main

raise SystemExit(main())
