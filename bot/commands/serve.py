"""`kombot serve`: the Slack and Teams server."""

from __future__ import annotations

import asyncio
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.commands.common import (
    err,
)
from bot.config import Settings
from bot.knowledge.yamlfile import KnowledgeError


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 3978,
) -> None:
    """Run the server: Slack (/slack/events), Teams (/api/messages), /healthz, /metrics."""
    from aiohttp import web

    from bot.web import ConfigurationError, create_server

    try:
        settings = Settings()
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
    try:
        server = create_server(settings)
    except ConfigurationError as exc:
        err.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None
    except KnowledgeError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None

    async def run() -> None:
        runner = web.AppRunner(server.app())
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        loop = asyncio.get_running_loop()
        # Few answer threads: each holds the GIL while it matches, and the event loop that
        # acknowledges Slack and Teams must not queue behind many of them (bench/http_load).
        loop.set_default_executor(ThreadPoolExecutor(max_workers=settings.worker_threads))
        stop = asyncio.Event()
        # A reload trains the new knowledge's model (seconds): off the loop and the answer
        # threads, while the last good knowledge keeps serving.
        loop.add_signal_handler(
            signal.SIGHUP,
            lambda: threading.Thread(target=server.reload, name="kombot-reload").start(),
        )
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        socket_mode = None
        if settings.slack_app_token and server.slack is not None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket_mode = AsyncSocketModeHandler(server.slack.app, settings.slack_app_token)
            await socket_mode.connect_async()  # one instance only: Slack picks one socket
        print(
            f"kombot serving on http://{host}:{port} (knowledge {server.engine.knowledge.version})",
            flush=True,
        )
        await stop.wait()
        if socket_mode is not None:
            await socket_mode.close_async()
        await runner.cleanup()

    asyncio.run(run())
