"""Child process of the resume tests: evaluate the question suite with a response cache.

Usage: python resume_child.py URL CACHE_DIR N_EXAMPLES
"""

from __future__ import annotations

import sys

from assay.runners import OpenAIAdapter, evaluate_suite
from assay.testing import QA_TEMPLATE as TEMPLATE
from assay.testing import qa_suite

if __name__ == "__main__":
    url, cache_dir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = OpenAIAdapter("fake-model", base_url=url, prompt_template=TEMPLATE, concurrency=4)
    evaluate_suite(qa_suite(n), model, cache_dir=cache_dir)
    print("finished", flush=True)
