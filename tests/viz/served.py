"""Serve an ASGI app to Playwright through ``TestClient``: any method, body, headers and cookies.

Requests to ``origin`` are answered by the app (the browser's own cookies travel in its
``Cookie`` header; the client's jar is emptied after each call so it never adds its own);
every other request is aborted and recorded in ``blocked``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient


def route_to(ctx: Any, client: TestClient, origin: str, blocked: list[str]) -> None:
    """Route every request of the browser context ``ctx``: ``origin`` to ``client``, the rest blocked."""

    def handle(r: Any) -> None:
        url = r.request.url
        if not url.startswith(origin + "/"):
            blocked.append(url)
            r.abort()
            return
        parts = urlsplit(url)
        headers = {k: v for k, v in r.request.all_headers().items()
                   if k.lower() not in ("host", "content-length", "connection")}
        resp = client.request(r.request.method, parts.path + (f"?{parts.query}" if parts.query else ""),
                              content=r.request.post_data_buffer, headers=headers, follow_redirects=False)
        client.cookies.clear()
        out: dict[str, str] = {}
        for k, v in resp.headers.multi_items():
            if k.lower() == "content-length":
                continue
            out[k] = f"{out[k]}\n{v}" if k in out and k.lower() == "set-cookie" else v
        r.fulfill(status=resp.status_code, body=resp.content, headers=out)

    ctx.route("**/*", handle)
