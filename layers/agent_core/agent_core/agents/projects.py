"""The project assistant: the tenant's projects and tasks in the SaaS's own project API."""

from agent_core.agents.agent import Agent, load_prompt
from agent_core.llm.types import Thinking
from agent_core.tools.projects import PROJECT_TOOLS
from agent_core.tools.registry import ToolRegistry

projects_agent = Agent(
    id="projects",
    title="Project assistant",
    description=(
        "Lists the workspace's projects and tasks, creates tasks and assigns people to them. "
        "Its writes are in shadow mode unless the workspace turns them live."
    ),
    prompt=load_prompt("projects"),
    tools=ToolRegistry(PROJECT_TOOLS),
    # Medium effort: it writes, so it must pick the right project, task and person from earlier
    # results before calling create_task or assign_user; medium is enough for that bookkeeping.
    thinking=Thinking(mode="adaptive", effort="medium"),
)
