"""The chat page served from another origin than the API's (another loopback port), as a deployed
page is: it chats, streams, resumes and approves a write when the deployment or the tenant allows
its origin, and says it cannot read the API's answers when neither does."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Request, expect

from agent_core.llm.scripted import call, say
from tests.browser.chat_page import ChatPage
from tests.browser.conftest import Screenshot
from tests.browser.stack import SHOP, Allower, Hold, page_stack

ORDER = {"product": "gaskets", "quantity": 40}


@pytest.mark.parametrize("allower", ["deployment", "tenant"])
def test_an_allowed_origin_chats_and_approves_a_write(
    page: Page, browser_requests: list[Request], allower: Allower
) -> None:
    before_the_rest = Hold()
    steps = [call("place_order", ORDER, call_id="toolu_order"), say("Ordered ", "40 gaskets.")]
    with page_stack(
        steps, writes="confirm", holds={"40 gaskets.": before_the_rest}, page_elsewhere=allower
    ) as stack:
        assert stack.page_url != stack.url
        chat = ChatPage(page, stack).open()
        expect(page.get_by_role("status")).to_contain_text("Connected: 1 agents.")

        chat.send("order 40 gaskets")
        dialog = page.get_by_role("dialog", name="Approve this change?")
        expect(dialog).to_contain_text("place_order")
        assert SHOP.orders == []
        dialog.get_by_role("button", name="Approve").click()

        expect(chat.answers.last.locator("p.text")).to_have_text("Ordered")  # streamed, across origins
        before_the_rest.release()
        expect(chat.outcome()).to_have_text(["Done: awaiting_confirmation", "Done: completed (end_turn)"])
        assert chat.answer_text() == "Ordered 40 gaskets."
        assert SHOP.orders == [ORDER]
    api_requests = [r for r in browser_requests if r.url.startswith(stack.url + "/")]
    assert {r.method for r in api_requests} >= {"GET", "POST"}
    assert {r.header_value("origin") for r in api_requests} == {stack.page_url}  # each one cross-origin


def test_an_allowed_origin_resumes_a_dropped_stream_with_last_event_id(page: Page) -> None:
    before_gamma = Hold()
    steps = [say("Alpha ", "Beta ", "Gamma.")]
    with page_stack(
        steps, holds={"Gamma.": before_gamma}, cut_at=b"Gamma", page_elsewhere="deployment"
    ) as stack:
        chat = ChatPage(page, stack).open()
        chat.send("say three words")
        expect(chat.answers.last.locator("p.text")).to_have_text("Alpha Beta")
        with page.expect_request(re.compile(r"/executions/run_[^/]+/events$")) as resumed:
            before_gamma.release()
        assert "last-event-id" in resumed.value.headers

        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")
        assert chat.answer_text() == "Alpha Beta Gamma."


def test_an_origin_no_one_allows_is_told_it_cannot_read_the_api(page: Page, screenshot: Screenshot) -> None:
    with page_stack([say("Hello.")], page_elsewhere="no one") as stack:
        ChatPage(page, stack).connect()

        status = page.get_by_role("status")
        expect(status).to_contain_text(f"Could not connect: no answer from {stack.url}")
        expect(status).to_contain_text(f"this page ({stack.page_url})")
        expect(status).to_contain_text("does not allow this page's origin")
        expect(page.get_by_label("Talk to")).to_be_disabled()
        screenshot("refused")
