"""Model adapters: what a runner calls for each example.

Synchronous (callables, scikit-learn, VADER, sentence embeddings) and asynchronous (an
OpenAI-compatible endpoint, a local Hugging Face model) adapters register by name, the same
way a third-party adapter would. Each describes itself as an ``AdapterSpec`` (its registry
name and settings, recorded in a run's manifest) and is rebuilt from it by ``build_adapter``.
"""
