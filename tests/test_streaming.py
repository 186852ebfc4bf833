"""`wait_event`: a bounded wait for an asyncio.Event that never swallows a cancellation."""

from __future__ import annotations

import asyncio

import pytest

from k8stui.ops.streaming import wait_event


async def test_set_and_timeout() -> None:
    ev = asyncio.Event()
    assert await wait_event(ev, 0.01) is False
    ev.set()
    assert await wait_event(ev, 1.0) is True


async def test_a_cancel_that_meets_the_event_is_not_swallowed() -> None:
    """The race that hung a cancelled drain: the event is set and the waiter cancelled in the same
    turn of the loop. Python 3.11's `wait_for(event.wait(), t)` returns True here and the
    cancellation is lost; a loop around it then waits for ever."""
    ev = asyncio.Event()
    waiter = asyncio.create_task(wait_event(ev, 30.0))
    await asyncio.sleep(0)  # the waiter is inside event.wait()
    ev.set()
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
