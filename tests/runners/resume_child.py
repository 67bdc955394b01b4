"""Child process of the resume tests: evaluate the question suite with a response cache.

Usage: python resume_child.py URL CACHE_DIR N_EXAMPLES [asyncio.run]

With ``asyncio.run`` the synchronous ``evaluate_suite`` is called from a coroutine run by
``asyncio.run``, as a script with an asynchronous ``main`` calls it: asyncio then handles
SIGINT itself, by asking for its task to be cancelled.

The child stands for a run in a terminal, where Ctrl-C reaches a process that handles
SIGINT. A process started in the background by a non-interactive shell (``pytest ... &``,
as a CI script may start the suite) ignores SIGINT, its children inherit that, and Python
keeps an inherited ignored SIGINT: the run would not see the interrupt, finish and exit 0.
So the child handles SIGINT as a terminal's process does, however the suite was started.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from assay.runners import OpenAIAdapter, evaluate_suite
from assay.testing import QA_TEMPLATE as TEMPLATE
from assay.testing import qa_suite

if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    url, cache_dir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = OpenAIAdapter("fake-model", base_url=url, prompt_template=TEMPLATE, concurrency=4)
    if sys.argv[4:] == ["asyncio.run"]:

        async def main() -> None:
            evaluate_suite(qa_suite(n), model, cache_dir=cache_dir)

        asyncio.run(main())
    else:
        evaluate_suite(qa_suite(n), model, cache_dir=cache_dir)
    print("finished", flush=True)
