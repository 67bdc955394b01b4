"""Finding a demo's runs already in the store, before any model is trained.

The demos are seeded, so a second run on the same suite, data, seeds and package versions
would train the same models and store nothing new. Looking the runs up first (a query and one
manifest read per run) turns minutes of training into a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import metadata

from assay.core import Run
from assay.data import SuiteData
from assay.storage import Store
from assay.workflows import LoggedRun, get_run, list_runs

__all__ = ["stored_run"]


def _installed(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def stored_run(
    store: Store,
    suite: SuiteData,
    model: str,
    *,
    tags: Mapping[str, str],
    seeds: Mapping[str, int],
    dataset_digests: Mapping[str, str],
    packages: Iterable[str],
    provenance: Mapping[str, object] | None = None,
) -> LoggedRun | None:
    """The newest complete run of ``model`` on this suite version with these tags, seeds and
    training data, recorded with the installed versions of ``packages`` (those that decide
    what the trained model predicts), or ``None``.

    ``provenance`` entries, when given, must match the stored run's too (a sample size).
    """
    versions = {name: _installed(name) for name in packages}
    for info in list_runs(store=store, model=model, tags=dict(tags)):
        if info.suite_digest != suite.digest or info.status != "complete":
            continue
        run: Run = get_run(info.run_id, store=store)
        manifest = run.manifest
        if (
            manifest.seeds == dict(seeds)
            and manifest.dataset_digests == dict(dataset_digests)
            and all(manifest.packages.get(name) == v for name, v in versions.items())
            and all(manifest.provenance.get(k) == v for k, v in (provenance or {}).items())
        ):
            return LoggedRun(run=run, created=False)
    return None
