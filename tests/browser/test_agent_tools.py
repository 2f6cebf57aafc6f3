"""The agent picker tells a person which tools the agent cannot use for their company, and why, as
``GET /agents`` says (here: the tenant's Odoo lacks the Email Marketing app)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from agent_core.llm.scripted import say
from local.erp import RunningErp, start_erp
from tests.browser.chat_page import ChatPage
from tests.browser.conftest import Screenshot
from tests.browser.stack import page_stack
from tests.browser.test_page_access import LOW_CONTRAST
from tests.support.erp import TODAY

NO_EMAIL_MARKETING = (
    "the Email Marketing (module mass_mailing) app is not installed (no model mailing.mailing)"
)


@pytest.fixture(scope="module")
def erp() -> Iterator[RunningErp]:
    with start_erp(today=TODAY, uninstalled={"acme": {"mass_mailing"}}) as running:
        yield running


def test_a_tool_the_tenants_odoo_cannot_serve_is_shown_unavailable_with_the_reason(
    page: Page, erp: RunningErp, screenshot: Screenshot
) -> None:
    with page_stack([say("Hello.")], erp=erp.url) as stack:
        ChatPage(page, stack).open()
        page.get_by_label("Talk to").select_option(label="Marketing assistant")

        tools = page.get_by_role("list", name="Tools").get_by_role("listitem")
        expect(tools.filter(has_text="get_campaign_metrics")).to_have_text(
            [f"get_campaign_metrics (unavailable): {NO_EMAIL_MARKETING}"]  # once, as unavailable
        )
        expect(tools.filter(has_text="get_pipeline_overview")).to_have_text(
            ["get_pipeline_overview"]
        )  # the others, as usual
        assert page.evaluate(LOW_CONTRAST, "#tools") == []
        screenshot("unavailable-tool")

        page.get_by_label("Talk to").select_option(label="Finance assistant")  # its tools all work
        expect(tools.filter(has_text="unavailable")).to_have_count(0)
        expect(tools).not_to_have_count(0)
