"""`make dev` as a person meets it in the browser: http://127.0.0.1:<PORT>/ with a demo key from
.local/dev-keys.json, every demo agent answering with its tools (the local model), and a write
approved in the dialog once the tenant asks for confirmations."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from local.projects_api import token_for
from tests.browser.conftest import Screenshot
from tests.support.dev_stack import LocalStack, agentctl, local_stack

# A question each demo agent answers with one of its read tools.
QUESTIONS = {
    "general": "who am I? use tenant_info",
    "finance": "what is our bank balance?",
    "warehouse": "what are our stock levels?",
    "marketing": "how does our pipeline look?",
    "sales": "what is our pipeline value?",
    "projects": "list our projects",
}
WRITE = (
    'create a task "Calibrate the torque wrenches" in project ISO 9001 recertification '
    "and assign it to lena.kowalski@acme.example"
)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with local_stack(tmp_path_factory.mktemp("dev")) as running:
        assert f"chat page:  {running.base_url}/" in running.banner
        yield running


def connect(page: Page, dev: LocalStack) -> None:
    page.goto(dev.base_url + "/")
    page.get_by_label("API key").fill(dev.keys["acme"])
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("status")).to_contain_text("Connected: 6 agents")


def test_a_person_talks_to_every_demo_agent_and_watches_its_tools(
    page: Page, dev: LocalStack, screenshot: Screenshot
) -> None:
    connect(page, dev)

    for agent, question in QUESTIONS.items():
        page.get_by_label("Talk to").select_option(agent)
        page.get_by_label("Message").fill(question)
        page.get_by_role("button", name="Send").click()

        answer = page.locator("#transcript .message.assistant").last
        expect(answer.locator(".outcome")).to_have_text("Done: completed (end_turn)", timeout=30_000)
        expect(answer.locator(".card").first).to_have_attribute("data-state", "done")
        expect(answer.locator("p.text").first).not_to_be_empty()
        screenshot(agent)
    expect(page.locator("#sessions li")).to_have_count(len(QUESTIONS))


def test_a_person_approves_a_write_in_the_dialog(page: Page, dev: LocalStack, screenshot: Screenshot) -> None:
    changed = agentctl(
        "--local", "tenant", "update", "acme", "--agent-writes", "projects=confirm",
        AGENTCTL_STACK_FILE=str(dev.stack_file),
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    tasks = f"{dev.stack['projects_url']}/api/projects/p-102/tasks"
    acme_projects = {"Authorization": f"Bearer {token_for('acme')}"}
    before = [task["title"] for task in httpx.get(tasks, headers=acme_projects).json()["tasks"]]
    assert "Calibrate the torque wrenches" not in before
    connect(page, dev)

    page.get_by_label("Talk to").select_option("projects")
    page.get_by_label("Message").fill(WRITE)
    page.get_by_role("button", name="Send").click()

    dialog = page.get_by_role("dialog", name="Approve this change?")
    expect(dialog).to_contain_text("create_task", timeout=30_000)
    expect(dialog).to_contain_text("Calibrate the torque wrenches")
    screenshot("confirmation")
    dialog.get_by_role("button", name="Approve").click()

    answer = page.locator("#transcript .message.assistant").last
    expect(answer.locator(".outcome").last).to_have_text("Done: completed (end_turn)", timeout=30_000)
    card = answer.locator(".card").filter(has_text="create_task")
    expect(card).to_have_attribute("data-state", "done")
    after = [task["title"] for task in httpx.get(tasks, headers=acme_projects).json()["tasks"]]
    assert after == [*before, "Calibrate the torque wrenches"]  # the write ran, once
    screenshot("approved")
