"""`kombot serve`: the Slack and Teams server; `kombot worker`: a process that answers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.commands.common import err
from bot.config import Settings
from bot.knowledge.yamlfile import KnowledgeError

WORKER = [sys.executable, "-c", "from bot.entry import main; main()", "worker"]
PARENT = "KOMBOT_WORKER_PARENT"  # set by `serve --workers N`: the pid its workers belong to
LIBRARY_THREADS = 32  # the loop's default executor: MSAL's token requests wait there


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            err.print(
                f"configuration: {'.'.join(map(str, error['loc']))}: {error['msg']}",
                style="red",
                markup=False,
            )
        raise typer.Exit(2) from None
    except SettingsError as exc:  # e.g. KOMBOT_SLACK_WORKSPACES that is not JSON
        err.print(
            f'configuration: {exc} (mappings are JSON, e.g. \'{{"T0123": "region-nordjylland"}}\')',
            style="red",
            markup=False,
        )
        raise typer.Exit(2) from None


def _built(build: Callable):
    from bot.runtime.process import ConfigurationError
    from bot.storage.db import MigrationFailed

    try:
        return build()
    except ConfigurationError as exc:
        err.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None
    except MigrationFailed as exc:
        err.print(str(exc), style="red", markup=False)
        raise typer.Exit(1) from None
    except KnowledgeError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _until_stopped(runtime, pool: WorkerPool | None = None) -> asyncio.Event:
    """SIGTERM/SIGINT stop; SIGHUP reloads the knowledge off the loop (training takes
    seconds) while the last good version keeps answering, here and in the workers."""
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=LIBRARY_THREADS))
    stop = asyncio.Event()

    def reload() -> None:
        threading.Thread(target=runtime.reload, name="kombot-reload").start()
        if pool is not None:
            pool.signal(signal.SIGHUP)

    loop.add_signal_handler(signal.SIGHUP, reload)
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 3978,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            max=32,
            help="answer in N `kombot worker` processes (0: in this process); this one "
            "then only verifies, commits to the inbox and acknowledges",
        ),
    ] = 0,
    worker_nice: Annotated[
        int,
        typer.Option(
            min=0,
            max=19,
            help="start the workers with their CPU priority lowered by N (as `nice -n N`), "
            "so that acknowledging within Slack's 3 s comes before answering",
        ),
    ] = 10,
) -> None:
    """Run the server: Slack (/slack/events), Teams (/api/messages), /healthz, /metrics."""
    from aiohttp import web

    from bot.web import create_server

    settings = _settings()
    server = _built(lambda: create_server(settings, answer_here=workers == 0))

    async def run() -> None:
        pool = WorkerPool(workers, worker_nice)
        stop = _until_stopped(server, pool)
        runner = web.AppRunner(server.app())
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        socket_mode = None
        if settings.slack_app_token and server.slack_intake is not None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket_mode = AsyncSocketModeHandler(server.slack_intake.app, settings.slack_app_token)
            await socket_mode.connect_async()  # one instance only: Slack picks one socket
        served = (("Slack", server.slack_intake), ("Teams", server.teams_intake))
        channels = [name for name, on in served if on]
        answered_by = f", {workers} worker processes" if workers else ""
        print(
            f"kombot serving {' and '.join(channels)} on http://{host}:{port} (knowledge "
            f"{server.engine.knowledge.version}{answered_by})",
            flush=True,
        )
        await pool.supervise(stop)
        if socket_mode is not None:
            await socket_mode.close_async()
        await runner.cleanup()

    asyncio.run(run())


def worker(
    nice: Annotated[
        int,
        typer.Option(min=0, max=19, help="lower this process's CPU priority by N (`nice -n N`)"),
    ] = 0,
) -> None:
    """Answer the inbox and deliver the outbox.

    Run beside `kombot serve --workers 0` (here or on other hosts); `kombot serve
    --workers N` starts N of them itself."""
    from bot.runtime.process import Runtime, served_engine

    if nice:
        os.nice(nice)
    settings = _settings()
    runtime = _built(
        lambda: Runtime(settings, served_engine(settings), settings.scheduler_interval_seconds)
    )

    async def run() -> None:
        stop = _until_stopped(runtime)
        watch = None
        if parent := os.environ.get(PARENT):
            watch = asyncio.create_task(_stop_when_orphaned(int(parent), stop))
        await runtime.start()
        print(f"kombot worker answering (knowledge {runtime.engine.knowledge.version})", flush=True)
        await stop.wait()
        if watch is not None:
            watch.cancel()
        await runtime.stop()

    asyncio.run(run())


async def _stop_when_orphaned(parent: int, stop: asyncio.Event) -> None:
    """A worker started by `kombot serve` stops when that server is gone, even killed
    with -9 (which lets it tell nobody): otherwise every restart would add workers."""
    while os.getppid() == parent:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)
        if stop.is_set():
            return
    err.print(f"the server that started this worker ({parent}) is gone; stopping")
    stop.set()


class WorkerPool:
    """`kombot worker` processes, restarted if one dies, stopped with the server.

    They run at a lower CPU priority (`nice`): on a machine whose cores they fill, an
    acknowledgement then waits for no answer, and answering takes what the acks leave.
    On 2 cores at 200 Slack events/s (`bench/http_load.py`, PostgreSQL, 3 runs each), ack
    p99 went from 12–32 ms to 8–9 ms, and the reply p99 from 62–153 ms to 79–102 ms."""

    def __init__(self, size: int, nice: int):
        self.nice = nice
        self.processes = [self._start() for _ in range(size)]

    def _start(self) -> subprocess.Popen:
        command = [*WORKER, "--nice", str(self.nice)]
        return subprocess.Popen(command, env={**os.environ, PARENT: str(os.getpid())})

    def signal(self, signum: int) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signum)

    async def supervise(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            for i, process in enumerate(self.processes):
                if process.poll() is not None:
                    err.print(f"worker {process.pid} exited ({process.returncode}); restarting")
                    self.processes[i] = self._start()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)
