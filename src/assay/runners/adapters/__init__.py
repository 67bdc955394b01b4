"""Model adapters: what a runner calls for each example.

Synchronous (callables, scikit-learn, VADER, sentence embeddings) and asynchronous (an
OpenAI-compatible endpoint, a local Hugging Face model) adapters register by name, the same
way a third-party adapter would.
"""
