"""promtool test files are split into one batch per core, balanced by size, each file exactly once."""
from __future__ import annotations

import pytest

from obsgate.wrappers.promtool import batches


@pytest.mark.parametrize("files, sizes, n, expected", [
    (["a", "b", "c", "d"], {"a": 10, "b": 1, "c": 1, "d": 8}, 2, [["a"], ["b", "c", "d"]]),
    (["a", "b"], {"a": 1, "b": 1}, 4, [["a"], ["b"]]),
    (["a", "b", "c"], {}, 1, [["a", "b", "c"]]),
    ([], {}, 2, []),
], ids=["puts the largest file alone when it outweighs the rest", "never makes more batches than files",
        "keeps one batch on one core", "accepts no files"])
def test_batches(files, sizes, n, expected):
    out = batches(files, sizes, n)
    assert out == expected
    assert sorted(f for b in out for f in b) == sorted(files)
