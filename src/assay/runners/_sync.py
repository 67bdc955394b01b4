"""Running a coroutine from synchronous code, inside a running event loop too, so that an
interrupt (Ctrl-C) stops it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

__all__ = ["run_coroutine"]

T = TypeVar("T")


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from synchronous code, also inside a running event loop.

    Where a loop already runs in this thread (a notebook, a script's ``asyncio.run``), the
    coroutine runs on a fresh loop in a worker thread, since a loop cannot be re-entered. An
    interrupt (Ctrl-C) stops it either way: the coroutine is cancelled, so a run keeps the
    answers it received, and KeyboardInterrupt is raised once it has stopped.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # in the main thread it turns Ctrl-C into cancelling coro
    tasks: Future[asyncio.Task[T]] = Future()

    async def main() -> T:
        task = asyncio.ensure_future(coro)
        tasks.set_result(task)  # for an interrupt in the calling thread to cancel
        return await task

    with ThreadPoolExecutor(max_workers=1) as pool:
        run = pool.submit(asyncio.run, main())
        try:
            with _interrupt_raises():
                return run.result()
        except KeyboardInterrupt:
            # the interrupt is raised in this thread, not in the run's: cancel the run there
            # and wait until it has stopped
            waiting: list[Future[Any]] = [tasks, run]
            wait(waiting, return_when=FIRST_COMPLETED)
            if tasks.done():
                task = tasks.result()
                with contextlib.suppress(RuntimeError):  # the loop closed: the run has ended
                    task.get_loop().call_soon_threadsafe(task.cancel)
            wait([run])
            raise


@contextlib.contextmanager
def _interrupt_raises() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt in the main thread meanwhile.

    The running loop may have its own SIGINT handler (``asyncio.run`` installs one), which
    only asks for its task to be cancelled; that task waits here, blocked, so the interrupt
    would not stop the run. A SIGINT that is ignored stays ignored; handlers can only be
    set from the main thread, so elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN or previous is None:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
