"""The sandbox page's API, driven from Python: what a person does in the browser, without one.

    page = SandboxPage(sandbox)
    page.command("#cloud-costs", "/cost budget set ...")
    view = page.wait_for_modal()
    answer = page.submit({"amount": {"value": "1200"}})   # {"result": "errors", "errors": {...}}
    page.press(channel, ts, block_id, action_id)          # confirms a confirm dialog if asked
    page.rate_limit("chat.update", count=2, retry_after=1)  # the next 2 calls answer 429

Every call is a real HTTP request to the page's own endpoints (with the page's key), so what
the bot receives is exactly what a click in the browser sends.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer


class SandboxPage:
    def __init__(self, sandbox: SandboxServer, *, user: str | None = None) -> None:
        self.sandbox = sandbox
        self.user = user or sandbox.state.sandbox_user_id

    def _call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {**self.sandbox.ui_headers, "Content-Type": "application/json"}
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.sandbox.url + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{path}: HTTP {exc.code} {exc.read().decode()}") from None

    def command(self, channel: str, text: str) -> dict[str, Any]:
        """Type into a channel's composer and press Enter (a slash command or a message)."""
        return self._call(
            "/sandbox/api/command", {"channel": channel, "text": text, "user": self.user}
        )

    def press(
        self,
        channel: str | None,
        ts: str | None,
        block_id: str,
        action_id: str,
        *,
        confirm: bool = True,
        view: str | None = None,
        values: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Click a button in a message (or in ``view="home"`` / ``"modal"``).

        A button with a confirm dialog is pressed twice as in Slack: the first answer carries
        ``confirm`` (nothing was sent); with ``confirm=True`` the dialog's confirm is clicked.
        """
        target = {"channel": channel, "ts": ts, "view": view, "user": self.user}
        target.update(block_id=block_id, action_id=action_id)
        if values is not None:  # what is entered in the open modal so far (view="modal")
            target["values"] = values
        answer = self._call("/sandbox/api/action", target)
        if answer.get("confirm") and confirm:
            answer = {
                **self._call("/sandbox/api/action", {**target, "confirmed": True}),
                "confirmed": answer["confirm"],
            }
        return answer

    def rate_limit(self, method: str = "*", *, count: int = 1, retry_after: int = 1) -> dict:
        """Make the next `count` Web API calls of `method` ("*": any) answer 429 with
        Retry-After; returns ``{"pending": {method: calls still to refuse}}``."""
        body = {"method": method, "count": count, "retry_after": retry_after}
        return self._call("/sandbox/api/rate-limit", body)

    def modal(self) -> dict[str, Any]:
        """``{"view", "depth", "errors", "notice"}`` of the open modal (view None if none)."""
        return self._call(f"/sandbox/api/modal?user={self.user}")

    def wait_for_modal(self, timeout: float = 10.0, *, callback_id: str | None = None) -> dict:
        """The open modal's view, once the bot has opened it (views.open runs after the ack)."""
        deadline = time.monotonic() + timeout
        while True:
            view = self.modal()["view"]
            if view and callback_id in (None, view["callback_id"]):
                return view
            if time.monotonic() > deadline:
                raise TimeoutError("no modal opened")
            time.sleep(0.02)

    def submit(self, values: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Fill the modal (``{block_id: {action_id: raw}}``) and press Submit."""
        return self._call("/sandbox/api/modal/submit", {"user": self.user, "values": values})

    def close(self) -> dict[str, Any]:
        return self._call("/sandbox/api/modal/close", {"user": self.user})
