"""Run an operation as a task and hand its events to an `async for` loop.

Drains and upgrades report progress through an event callback; a UI or CLI that prefers to
iterate gets the same events from `stream_events`. Leaving the loop early cancels the operation.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any


async def stream_events(run: Callable[[], Awaitable[Any]],
                        attach: Callable[[asyncio.Queue], None]) -> AsyncIterator[Any]:
    """`attach(queue)` makes the operation put its events on `queue`; `run()` runs it. What
    `run()` raises is raised here once its events are through."""
    queue: asyncio.Queue = asyncio.Queue()
    attach(queue)
    task = asyncio.ensure_future(run())
    task.add_done_callback(lambda _t: queue.put_nowait(None))
    try:
        while True:
            ev = await queue.get()
            if ev is None:
                break
            yield ev
        await task
    finally:
        if not task.done():
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait up to `timeout` seconds for `event`; True when it was set.

    Not `asyncio.wait_for(event.wait(), timeout)`: on Python 3.11, when a cancellation arrives just
    as the event is set, `wait_for` returns the result and swallows the cancellation, so a loop
    around it (a drain waiting for a pod to go) never ends. `asyncio.timeout` keeps it."""
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
        return True
    except TimeoutError:
        return False
