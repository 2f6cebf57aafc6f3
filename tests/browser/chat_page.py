"""The chat page as a person uses it: by its labels, buttons and the text it shows."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from tests.browser.stack import PageStack


@dataclass(frozen=True)
class ChatPage:
    page: Page
    stack: PageStack

    def open(self) -> ChatPage:
        """Open the page and connect with the tenant's key."""
        self.connect()
        expect(self.page.get_by_role("status")).to_contain_text("Connected")
        return self

    def connect(self) -> None:
        """Open the page where the stack serves it and press Connect with the tenant's key (and the
        API's URL, when the page is served from another origin)."""
        self.page.goto(self.stack.page_url + "/")
        api_url = self.page.get_by_label("API URL")
        expect(api_url).to_have_value(self.stack.page_url)  # the page's own origin, at first
        if self.stack.page_url != self.stack.url:
            api_url.fill(self.stack.url)
        self.page.get_by_label("API key").fill(self.stack.key)
        self.page.get_by_role("button", name="Connect").click()

    def send(self, message: str) -> None:
        self.page.get_by_label("Message").fill(message)
        self.page.get_by_role("button", name="Send").click()

    @property
    def answers(self) -> Locator:
        return self.page.locator("#transcript .message.assistant")

    def answer_text(self, index: int = -1) -> str:
        """The text of one answer, as a person reads it (its paragraphs, without the cards)."""
        answer = self.answers.nth(index if index >= 0 else self.answers.count() + index)
        return "".join(answer.locator("p.text").all_text_contents())

    def card(self, tool: str) -> Locator:
        return self.page.locator("#transcript .card").filter(has=self.page.locator(".name", has_text=tool))

    def outcome(self, index: int = -1) -> Locator:
        answer = self.answers.nth(index if index >= 0 else self.answers.count() + index)
        return answer.locator(".outcome")
