"""Serve an ASGI app to Playwright through ``TestClient``: any method, body, headers and cookies.

Requests to ``origin`` are answered by the app (the browser's own cookies travel in its
``Cookie`` header; the client's jar is emptied after each call so it never adds its own);
every other request is aborted and recorded in ``blocked``. Chromium does not follow a redirect
that a route fulfils for a navigation (``ERR_NAME_NOT_RESOLVED`` on the fake host), so a 3xx is
answered as a page that refreshes to its ``Location`` — with the same ``Set-Cookie`` headers.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi.testclient import TestClient


def route_to(ctx: Any, client: TestClient, origin: str, blocked: list[str]) -> None:
    """Route every request of the browser context ``ctx``: ``origin`` to ``client``, the rest blocked."""

    def handle(r: Any) -> None:
        url = r.request.url
        if not url.startswith(origin + "/"):
            blocked.append(url)
            r.abort()
            return
        headers = {k: v for k, v in r.request.all_headers().items()
                   if k.lower() not in ("host", "content-length", "connection")}
        # the absolute address: the app sees the browser's host (its Origin checks hold)
        resp = client.request(r.request.method, url,
                              content=r.request.post_data_buffer, headers=headers, follow_redirects=False)
        client.cookies.clear()
        out: dict[str, str] = {}
        for k, v in resp.headers.multi_items():
            if k.lower() == "content-length":
                continue
            out[k] = f"{out[k]}\n{v}" if k in out and k.lower() == "set-cookie" else v
        status, body = resp.status_code, resp.content
        if 300 <= status < 400 and "location" in resp.headers:
            target = html.escape(resp.headers["location"], quote=True)
            status, body = 200, f'<meta http-equiv="refresh" content="0;url={target}">'.encode()
            out = {k: v for k, v in out.items() if k.lower() in ("set-cookie", "cache-control")}
            out["content-type"] = "text/html; charset=utf-8"
        r.fulfill(status=status, body=body, headers=out)

    ctx.route("**/*", handle)
