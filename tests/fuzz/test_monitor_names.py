"""Generated names for stored profiles and monitors (now keys of slot logs in artifacts):
whatever the text, a profile saved under it loads back under it, or the name is refused with
an assay error; a monitor name that is not registered is not found; nothing else happens."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assay.workflows as wf
from assay.errors import ConfigError, NotFoundError
from assay.monitor import profile
from assay.storage import open_store

FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

names = st.one_of(
    st.text(max_size=240),
    st.sampled_from(["", " ", "\x00", "../../etc/passwd", "a/b", "\x1b[31m", "\ufeff", "x" * 201]),
)
PROFILE = profile(pa.table({"x": np.arange(50.0)}), name="p")


@FAST
@given(name=names)
def test_any_profile_name_round_trips_or_is_refused(name: str) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_store(f"sqlite:///{Path(tmp) / 'assay.db'}") as store,
    ):
        try:
            digest = wf.save_profile(PROFILE, name=name, store=store)
        except ConfigError:
            assert not name.strip() or len(name) > 200 or "\x00" in name
            return
        assert wf.load_profile(name, store=store).digest == digest
        assert wf.stored_profiles(store=store) == [{"name": name, "digest": digest, "versions": 1}]
        try:
            wf.monitor_status(name, store=store)
        except NotFoundError:
            pass
        else:
            raise AssertionError("an unregistered monitor was found")
