"""The chat page for everyone: on a phone, by keyboard alone, readable (WCAG 2.2 AA contrast,
measured on the rendered page), telling errors and refusals, and keeping the key to the tab."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, Request, expect

from agent_core.errors import ModelError
from agent_core.llm.scripted import Step, call, say
from agent_core.llm.types import ModelFinished, Refusal, TextChunk, Usage
from tests.browser.chat_page import ChatPage
from tests.browser.conftest import Screenshot
from tests.browser.stack import page_stack

# Each element with text of its own: its text colour against the first opaque background behind it
# (WCAG 2.2's relative luminance); form fields by their value's colour. Disabled controls are
# exempt (WCAG 1.4.3). Answers "<tag>.<class> '<text>' <ratio>" for each pair under 4.5:1.
LOW_CONTRAST = """(root) => {
  const rgba = (c) => { const [r, g, b, a = 1] = c.match(/[\\d.]+/g).map(Number); return { r, g, b, a }; };
  const channel = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = ({ r, g, b }) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const behind = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgba(getComputedStyle(el).backgroundColor);
      if (c.a === 1) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const low = [];
  for (const el of document.querySelector(root).querySelectorAll("*")) {
    const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    const field = el.matches("input:not([type=password]), textarea, select") && el.value;
    if (!(ownText || field) || !el.checkVisibility()) continue;
    if (el.closest(":disabled") || el.closest("option")) continue;
    const bg = behind(el), fg = rgba(getComputedStyle(el).color);
    const over = (k) => fg[k] * fg.a + bg[k] * (1 - fg.a);  // a translucent colour, as it is seen
    const seen = { r: over("r"), g: over("g"), b: over("b") };
    const [hi, lo] = [luminance(seen), luminance(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const text = el.textContent.slice(0, 30);
    if (ratio < 4.5) low.push(`${el.tagName.toLowerCase()}.${el.className} '${text}' ${ratio.toFixed(2)}`);
  }
  return low;
}"""

FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""

LONG = "a-very-long-product-reference-" * 6


def test_on_a_phone_everything_fits_and_every_text_is_readable(page: Page, screenshot: Screenshot) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    steps: list[Step] = [
        call("stock", {"product": LONG}, call_id="toolu_stock"),
        call("place_order", {"product": LONG, "quantity": 2}, call_id="toolu_order"),
        say(f"See https://example.com/{LONG} for the details."),
        [ModelError("the model provider failed: overloaded")],
    ]
    with page_stack(steps) as stack:
        chat = ChatPage(page, stack).open()
        chat.send("check and order it")
        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")
        chat.send("and again")
        expect(chat.outcome(1)).to_contain_text("Done: failed")
        expect(chat.answers.nth(1).locator(".notice")).to_contain_text("Error:")

        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing scrolls sideways
        controls = [page.get_by_role("button", name=n) for n in ("Send", "New conversation")]
        for control in [*controls, page.locator("summary")]:  # the folded connection, to unfold
            box = control.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
        assert page.evaluate(LOW_CONTRAST, "body") == []
        screenshot("phone")


def test_a_confirmation_dialogs_text_is_readable(page: Page) -> None:
    with page_stack([call("place_order", {"product": "gaskets"})], writes="confirm") as stack:
        chat = ChatPage(page, stack).open()
        chat.send("order gaskets")
        expect(page.get_by_role("dialog")).to_be_visible()

        assert page.evaluate(LOW_CONTRAST, "dialog") == []
        assert page.evaluate(FOCUS_RING)  # its focused button shows it


def test_a_person_connects_and_chats_by_keyboard_alone_seeing_where_the_focus_is(
    page: Page, screenshot: Screenshot
) -> None:
    with page_stack([say("Hello by keyboard.")]) as stack:
        page.goto(stack.url + "/")

        reached = tab_through(page, "Tab", until="api-key")
        assert reached == ["Connection", "api-url", "api-key"]
        page.keyboard.type(stack.key)
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Connected")
        expect(page.get_by_label("Message")).to_be_focused()  # ready to type; the connection folds away
        expect(page.get_by_label("API key")).to_be_hidden()

        assert tab_through(page, "Shift+Tab", until="Connection") == [
            "new-conversation",
            "agent",
            "Connection",
        ]
        assert tab_through(page, "Tab", until="message") == ["agent", "new-conversation", "message"]
        page.keyboard.type("hello")
        page.keyboard.press("Enter")

        expect(ChatPage(page, stack).outcome()).to_have_text("Done: completed (end_turn)")
        expect(page.locator("#transcript .message.assistant p.text")).to_have_text("Hello by keyboard.")
        screenshot("keyboard")


def tab_through(page: Page, key: str, until: str) -> list[str]:
    """Press ``key`` until the focus reaches ``until`` (an id, or a text); what it reached on the way,
    each shown with a visible focus ring."""
    reached: list[str] = []
    while until not in reached and len(reached) < 10:
        page.keyboard.press(key)
        reached.append(
            page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")
        )
        assert page.evaluate(FOCUS_RING), f"no visible focus on {reached[-1]}"
    return reached


def test_errors_and_refusals_are_told(page: Page) -> None:
    refused: Step = [
        TextChunk(text="I can"),
        ModelFinished(
            stop_reason="refusal",
            usage=Usage(input_tokens=10, output_tokens=2),
            refusal=Refusal(category="cyber", explanation="This request was declined."),
        ),
    ]
    with page_stack([refused, [ModelError("the model provider failed: overloaded")]]) as stack:
        chat = ChatPage(page, stack).open()

        chat.send("something dangerous")
        expect(chat.outcome()).to_have_text("Done: completed (refusal)")
        expect(chat.answers.last.locator(".notice")).to_have_text(
            "The model declined: This request was declined."
        )

        chat.send("something else")
        expect(chat.outcome()).to_have_text("Done: failed (error)")
        expect(chat.answers.last.locator(".notice")).to_contain_text("(model_error)")


def test_a_wrong_key_is_told_and_nothing_else_happens(page: Page) -> None:
    with page_stack([]) as stack:
        page.goto(stack.url + "/")
        page.get_by_label("API key").fill("ak_not-a-key")
        page.get_by_role("button", name="Connect").click()

        expect(page.get_by_role("status")).to_have_text(
            re.compile(r"^Could not connect: .+ \(unauthorized\)$")
        )
        expect(page.get_by_label("Talk to")).to_be_disabled()


def test_the_key_stays_in_the_tab_and_never_in_a_url(page: Page, browser_requests: list[Request]) -> None:
    with page_stack([say("Fine.")]) as stack:
        chat = ChatPage(page, stack).open()
        chat.send("hello")
        expect(chat.outcome()).to_have_text("Done: completed (end_turn)")

        storage: dict[str, Any] = page.evaluate(
            "() => ({ local: localStorage.length, key: sessionStorage.getItem('agent-runtime.key') })"
        )
        assert storage == {"local": 0, "key": stack.key}
        api_calls = [r for r in browser_requests if not r.url.endswith((".js", ".css", "/"))]
        assert {r.url.split("?")[0].removeprefix(stack.url) for r in api_calls} >= {
            "/agents",
            "/sessions",
            "/agents/shop/chat/stream",
        }
        assert all(r.headers.get("x-api-key") == stack.key for r in api_calls)
        assert not any(stack.key in r.url for r in browser_requests)

        other_tab = page.context.new_page()  # the same browser, another tab: its own session storage
        other_tab.goto(stack.url + "/")
        expect(other_tab.get_by_label("API key")).to_have_value("")
