"""A local folder's file paths are fsspec's, whether or not fsspec is loaded to find them."""

from __future__ import annotations

from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.storage._files import FileRoot

_PART = st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=12)


def _fsspec_path(url: str, relative: str) -> str:
    _, root = fsspec.core.url_to_fs(url)
    return f"{str(root).rstrip('/')}/{relative}"


@settings(max_examples=200, deadline=None)
@given(st.lists(_PART, min_size=0, max_size=4), st.sampled_from(["", "/", "//"]), _PART)
def test_an_absolute_folder_resolves_as_fsspec_resolves_it(
    parts: list[str], trailing: str, relative: str
) -> None:
    url = "/" + "/".join(parts) + trailing
    root = FileRoot(url)
    try:
        expected = _fsspec_path(url, relative)
    except ValueError:  # fsspec reads "/0://" as an unknown protocol "/0": refused alike
        with pytest.raises(ValueError, match="Protocol not known"):
            root.path(relative)
        return
    assert root.path(relative) == expected


def test_an_absolute_folder_fsspec_takes_for_a_url_is_refused_as_fsspec_refuses_it() -> None:
    with pytest.raises(ValueError, match="Protocol not known"):
        FileRoot("/0://").path("0")


@pytest.mark.parametrize("url", ["relative/folder", "~/assay-files", "file:///tmp/x", "memory://x"])
def test_other_folders_are_resolved_by_fsspec(url: str) -> None:
    root = FileRoot(url)
    assert root._plain is None
    assert root.path("a.parquet") == _fsspec_path(url, "a.parquet")


def test_a_local_record_file_is_read_back_through_the_plain_path(tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    table = pa.table({"example_id": ["a", "b"], "score": [1.0, 0.0]})
    pq.write_table(table, folder / "r.parquet")
    root = FileRoot(str(folder))
    assert root._local and root._plain == str(folder)
    assert root.read_parquet("r.parquet").equals(table)
    assert "_resolved" not in vars(root)  # fsspec was never asked
