"""Named thread pools for blocking work, so one kind of work never queues behind another.

The acks (an inbox insert) and /healthz use `quick`; answering uses `answer`. The loop's
default executor is left to libraries (MSAL fetches the Teams connector token with
`requests` there), and an endpoint that hangs must not stall an ack or a health check.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class Threads:
    def __init__(self, name: str, size: int):
        self.size = size
        self.pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"kombot-{name}")

    async def run(self, fn: Callable[..., T], *args) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args))

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
