"""Plain-JSON requests through a connection's API client.

The generated model classes cost about half a millisecond per object; operations that read
hundreds of pods (a drain, the upgrade plan, the overview) read them as dicts instead. Requests
still go through the client's REST layer, so the read-only guard sees every one of them.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from kubernetes.aio.client.exceptions import ApiException

from k8stui.kube.connection import Connection

Query = list[tuple[str, str]]

_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
            410: "Gone", 422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}


async def send(conn: Connection, method: str, path: str, query: Query | None = None, body: Any = None,
               timeout: Any = None, accept: str = "application/json") -> aiohttp.ClientResponse:
    """The response, unread (the caller reads and releases it: for watches and big lists)."""
    client = conn.api
    headers = {"Accept": accept}
    if body is not None:
        headers["Content-Type"] = "application/json"
    params = await client.param_serialize(method=method, resource_path=path, query_params=list(query or []),
                                          header_params=headers, body=body, auth_settings=["BearerToken"])
    resp = await client.call_api(*params, _request_timeout=timeout)
    return resp.response


async def request(conn: Connection, method: str, path: str, query: Query | None = None, body: Any = None,
                  timeout: Any = 30, accept: str = "application/json") -> tuple[int, bytes]:
    """(HTTP status, body); never raises on a status."""
    resp = await send(conn, method, path, query, body, timeout, accept)
    try:
        return resp.status, await resp.read()
    finally:
        resp.release()


def api_exception(status: int, body: bytes, headers: Any = None) -> ApiException:
    e = ApiException(status=status, reason=_REASONS.get(status, str(status)),
                     body=body.decode("utf-8", "replace"))
    e.headers = headers
    return e


async def request_json(conn: Connection, method: str, path: str, query: Query | None = None, body: Any = None,
                       timeout: Any = 30) -> dict:
    """A JSON request; an error status raises `ApiException`, as the generated client does."""
    status, data = await request(conn, method, path, query, body, timeout)
    if status >= 400:
        raise api_exception(status, data)
    return json.loads(data) if data else {}


async def list_all(conn: Connection, path: str, query: Query | None = None, page: int = 500) -> list[dict]:
    """Every item of a list, in pages of `page` (limit + continue)."""
    items: list[dict] = []
    token = ""
    while True:
        q = list(query or []) + [("limit", str(page))]
        if token:
            q.append(("continue", token))
        data = await request_json(conn, "GET", path, q, timeout=60)
        items.extend(data.get("items") or [])
        token = (data.get("metadata") or {}).get("continue") or ""
        if not token:
            return items
