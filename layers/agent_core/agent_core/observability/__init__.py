"""Logs, metrics and traces (Powertools): what the runtime tells the people who operate it.

``logs`` (the logger and the ids each line carries) is all the buffered functions load from here;
``observer`` (a turn's log lines and metrics), ``metrics``, ``tracing`` and ``calls`` are loaded
by the turn machinery.
"""

from agent_core.observability.logs import SERVICE, add_log_keys, log_keys, logger, start_request_keys

__all__ = ["SERVICE", "add_log_keys", "log_keys", "logger", "start_request_keys"]
