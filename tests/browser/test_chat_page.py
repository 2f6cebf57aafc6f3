"""The chat page (web/) in a real browser, against the local stack with a scripted model: a person
watches the answer being written, tool calls happen, approves a write, loses the connection,
reopens a past conversation — and nothing the model writes runs as code."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from agent_core.llm.scripted import call, say
from tests.browser.chat_page import ChatPage
from tests.browser.conftest import Screenshot
from tests.browser.stack import SHOP, Hold, page_stack

ORDER = {"product": "gaskets", "quantity": 40}


def test_the_answer_appears_while_the_model_is_still_writing_it(page: Page, screenshot: Screenshot) -> None:
    held = Hold()
    with page_stack([say("The stock ", "is counted ", "every night.")], holds={"is counted ": held}) as stack:
        chat = ChatPage(page, stack).open()

        chat.send("how is stock counted?")

        # The model waits before its second chunk: what the page shows now was streamed, not sent at the end.
        expect(chat.answers.last.locator("p.text")).to_have_text("The stock")
        assert held.reached.is_set()
        expect(chat.outcome()).to_have_count(0)
        expect(page.locator("#transcript")).to_have_attribute("aria-busy", "true")
        expect(page.get_by_role("button", name="Send")).to_be_disabled()
        expect(page.get_by_role("button", name="New conversation")).to_be_disabled()
        screenshot("mid-stream")

        held.release()

        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")
        assert chat.answer_text() == "The stock is counted every night."
        expect(page.locator("#transcript")).to_have_attribute("aria-busy", "false")
        expect(page.get_by_role("button", name="Send")).to_be_enabled()
        screenshot("done")


def test_a_stream_split_anywhere_and_kept_alive_with_comments_reads_the_same(page: Page) -> None:
    words = ["Grüße ", "aus Köln — ", "✓ 日本語 ", "and\nnew lines."]
    with page_stack([say(*words)], splintered=True) as stack:
        chat = ChatPage(page, stack).open()

        chat.send("greet me")

        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")
        assert chat.answer_text() == "".join(words)


def test_a_tool_call_shows_as_a_card_that_runs_then_completes_and_a_shadowed_write_says_so(
    page: Page, screenshot: Screenshot
) -> None:
    SHOP.stock_hold = Hold()
    steps = [
        call("stock", {"product": "gaskets"}, call_id="toolu_stock"),
        call("place_order", ORDER, call_id="toolu_order"),
        say("There are 3; I would order 40."),
    ]
    with page_stack(steps, writes="shadow") as stack:
        chat = ChatPage(page, stack).open()
        expect(page.locator("#tools")).to_contain_text("place_order (writes)")

        chat.send("check the gaskets and order 40")

        expect(chat.card("stock")).to_contain_text("running")
        expect(chat.card("stock")).to_have_attribute("data-state", "running")
        expect(chat.card("stock")).to_contain_text('{"product":"gaskets"}')
        screenshot("tool-running")
        SHOP.stock_hold.release()

        expect(chat.card("stock")).to_have_attribute("data-state", "done")
        expect(chat.card("stock").locator(".state")).to_have_text(re.compile(r"^done · \d+ ms$"))
        expect(chat.card("place_order")).to_have_attribute("data-state", "would_execute")
        expect(chat.card("place_order").locator(".state")).to_have_text(
            re.compile(r"^would run, did not · \d+ ms$")
        )
        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")
        assert chat.answer_text() == "There are 3; I would order 40."
        assert SHOP.orders == []  # shadow mode: nothing was ordered
        screenshot("tool-done")


def test_a_write_is_approved_in_the_dialog_and_the_answer_goes_on_in_place(
    page: Page, screenshot: Screenshot
) -> None:
    steps = [call("place_order", ORDER, call_id="toolu_order"), say("Ordered 40 gaskets.")]
    with page_stack(steps, writes="confirm") as stack:
        chat = ChatPage(page, stack).open()

        chat.send("order 40 gaskets")

        dialog = page.get_by_role("dialog", name="Approve this change?")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("place_order")
        expect(dialog.locator("pre")).to_contain_text('"quantity": 40')
        expect(chat.card("place_order")).to_have_attribute("data-state", "awaiting")
        expect(chat.outcome()).to_have_text("Done: awaiting_confirmation")
        assert SHOP.orders == []
        screenshot("confirmation")

        # By keyboard: the dialog opens on Reject (the safe choice); Tab reaches Approve.
        expect(dialog.get_by_role("button", name="Reject")).to_be_focused()
        page.keyboard.press("Tab")
        expect(dialog.get_by_role("button", name="Approve")).to_be_focused()
        page.keyboard.press("Enter")

        expect(dialog).to_be_hidden()
        expect(chat.outcome()).to_have_text(["Done: awaiting_confirmation", "Done: completed (end_turn)"])
        expect(chat.card("place_order")).to_have_attribute("data-state", "done")
        expect(chat.answers).to_have_count(1)  # the same answer, continued
        assert chat.answer_text() == "Ordered 40 gaskets."
        assert SHOP.orders == [ORDER]
        screenshot("approved")


def test_a_write_put_off_then_rejected_in_the_dialog_does_not_run_and_the_model_is_told(page: Page) -> None:
    steps = [call("place_order", ORDER, call_id="toolu_order"), say("Understood, no order.")]
    with page_stack(steps, writes="confirm") as stack:
        chat = ChatPage(page, stack).open()
        chat.send("order 40 gaskets")
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()

        page.keyboard.press("Escape")  # not now: the card keeps the question open
        expect(dialog).to_be_hidden()
        assert SHOP.orders == []
        chat.card("place_order").get_by_role("button", name="Review the change").click()
        dialog.get_by_role("button", name="Reject").click()

        expect(chat.outcome().last).to_have_text("Done: completed (end_turn)")
        expect(chat.card("place_order")).to_have_attribute("data-state", "rejected")
        expect(chat.card("place_order").locator(".state")).to_have_text("rejected by you")
        assert chat.answer_text() == "Understood, no order."
        assert SHOP.orders == []


def test_a_dropped_connection_resumes_from_the_last_event_without_repeating_text(
    page: Page, screenshot: Screenshot
) -> None:
    before_gamma, before_delta = Hold(), Hold()
    steps = [say("Alpha ", "Beta ", "Gamma ", "Delta.")]
    # The connection breaks halfway through the frame carrying "Gamma"; the model waits before "Delta.".
    with page_stack(steps, holds={"Gamma ": before_gamma, "Delta.": before_delta}, cut_at=b"Gamma") as stack:
        chat = ChatPage(page, stack).open()
        chat.send("say four words")
        expect(chat.answers.last.locator("p.text")).to_have_text("Alpha Beta")

        with page.expect_request(re.compile(r"/executions/run_[^/]+/events$")) as resumed:
            before_gamma.release()

        run_id, seq = resumed.value.headers["last-event-id"].rsplit(":", 1)
        run = stack.runtime.runs.get("acme", run_id)
        assert run is not None and int(seq) == 3  # run_started, "Alpha ", "Beta ": the cut frame is not shown
        screenshot("resuming")
        before_delta.release()

        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")
        assert chat.answer_text() == "Alpha Beta Gamma Delta."
        screenshot("resumed")


def test_a_connection_dropped_before_the_run_was_named_gets_the_same_turn_once_it_ends(page: Page) -> None:
    held = Hold()
    # The first frame (run_started) is cut: the page cannot name the run, so it sends the message again
    # with the same Idempotency-Key, and gets the turn it started (409 while it still runs).
    with page_stack([say("Only ", "once.")], holds={"once.": held}, cut_at=b"run_started") as stack:
        chat = ChatPage(page, stack).open()

        with page.expect_response(lambda r: r.url.endswith("/chat/stream") and r.status == 409):
            chat.send("hello")
        held.release()

        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")
        assert chat.answer_text() == "Only once."
        assert len(stack.model.requests) == 1  # one turn, not two


def test_a_past_conversation_reopens_and_goes_on(page: Page, screenshot: Screenshot) -> None:
    steps = [say("Three gaskets are in stock."), say("You're welcome."), say("Hello again.")]
    with page_stack(steps) as stack:
        chat = ChatPage(page, stack).open()
        chat.send("how many gaskets?")
        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")

        page.reload()  # the tab keeps its key: the page connects again by itself
        expect(page.get_by_role("status")).to_contain_text("Connected")
        expect(chat.answers).to_have_count(0)
        past = page.get_by_role("navigation", name="Conversations").get_by_role(
            "button", name=re.compile("how many gaskets")
        )
        past.click()

        expect(page.locator("#transcript .message.user")).to_have_text(["Youhow many gaskets?"])
        expect(chat.answers.locator("p.text")).to_have_text(["Three gaskets are in stock."])
        expect(past).to_have_attribute("aria-current", "true")
        screenshot("reopened")

        chat.send("thanks")
        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")
        assert chat.answer_text() == "You're welcome."
        # The model read the earlier turn: the page continued the same session.
        assert [m.role for m in stack.model.requests[-1].messages] == ["user", "assistant", "user"]

        page.get_by_role("button", name="New conversation").click()
        expect(chat.answers).to_have_count(0)
        expect(page.get_by_label("Message")).to_be_focused()
        chat.send("hello")
        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")
        assert [m.role for m in stack.model.requests[-1].messages] == ["user"]
        expect(page.locator("#sessions li")).to_have_count(2)


def test_html_from_the_model_or_a_tool_is_shown_as_text_and_never_runs(
    page: Page, screenshot: Screenshot
) -> None:
    product = '<img src=x onerror="window.__pwned = 1">'
    answer = '<script>window.__pwned = 2</script><img src=x onerror="window.__pwned = 3"> <b>bold?</b>'
    steps = [call("stock", {"product": product}, call_id="toolu_stock"), say(answer)]
    with page_stack(steps) as stack:
        chat = ChatPage(page, stack).open()

        chat.send("check <b>this</b>")

        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")
        assert chat.answer_text() == answer
        expect(chat.card("stock")).to_contain_text(product.replace('"', '\\"'))
        expect(page.locator("#transcript .message.user p.text")).to_have_text("check <b>this</b>")
        transcript = page.locator("#transcript")
        expect(transcript.locator("script, img, b")).to_have_count(0)
        assert page.evaluate("window.__pwned") is None
        screenshot("as-text")

        # Reopened from the sessions API, the same text is text again.
        page.reload()
        page.get_by_role("button", name="check <b>this</b>").click()
        expect(chat.answers.locator("p.text")).to_have_text([answer])
        expect(transcript.locator("script, img, b")).to_have_count(0)
        assert page.evaluate("window.__pwned") is None
