"""A CSV that turns malformed because it was rewritten while read is told as changed, not as
a malformed export: the person is told to ingest it again once it is complete."""

from __future__ import annotations

import pytest

from bot.sources.focus.file_identity import FileChangedError
from bot.sources.focus.reader import FocusFileError, open_focus_file

HEADER = "BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd\n"
ROW = "1.5,1.5,USD,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z\n"


def _read(path) -> None:
    for _batch in open_focus_file(path).batches():
        pass


def test_a_file_rewritten_malformed_while_read_is_refused_as_changed(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + ROW * 100)
    focus = open_focus_file(path)
    path.write_text(HEADER + ROW * 10 + "1\n")  # cut mid-write: a row with one column
    with pytest.raises(FileChangedError, match="the file changed while it was read"):
        for _batch in focus.batches():
            pass


def test_a_malformed_file_that_did_not_change_is_told_as_malformed(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + ROW * 10 + "1\n")
    with pytest.raises(FocusFileError, match="malformed or truncated"):
        _read(path)
