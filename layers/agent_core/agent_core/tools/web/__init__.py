"""The web tools: ``web_search`` and ``visit_webpage``, and the rules the visits keep to."""

from agent_core.tools.web.addresses import AddressPolicy
from agent_core.tools.web.rules import WebRules
from agent_core.tools.web.search import web_search
from agent_core.tools.web.visit import visit_webpage

__all__ = ["AddressPolicy", "WebRules", "visit_webpage", "web_search"]
