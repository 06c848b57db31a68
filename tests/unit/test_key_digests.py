"""Key digests when the key gains a field: keys without it keep the digest they had."""

from __future__ import annotations

import pyarrow as pa

from storage.bulk import key_digests


def test_a_null_added_field_digests_as_before_and_a_value_apart():
    table = pa.table(
        {
            "a": ["x", "x", "x", "x"],
            "b": [None, None, "y", "y"],
            "tags": [None, '{"k":"v"}', None, '{"k":"w"}'],
        }
    )
    before, _ = key_digests(table.select(["a", "b"]), ["a", "b"])
    after, first = key_digests(table, ["a", "b"], added=["tags"])
    before, after = before.to_pylist(), after.to_pylist()
    assert after[0] == before[0] and after[2] == before[2]  # no tags: the old digest
    assert len(set(after)) == 4 and list(first) == [0, 1, 2, 3]
