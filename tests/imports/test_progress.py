"""The progress file another request reads while an import's transaction is open."""

from __future__ import annotations

from pathlib import Path

from reattune.imports.progress import FileProgress, read_progress


def test_the_progress_file_holds_the_latest_phase_and_count(tmp_path: Path) -> None:
    path = tmp_path / "job-1.progress.json"
    progress = FileProgress(path)
    progress(phase="sessions", done=0, total=200)
    progress(phase="sessions", done=50, total=200)  # within the interval: skipped
    progress(phase="responses", done=100, total=200)  # a new phase always goes through
    state = read_progress(path)
    assert state is not None
    assert (state["phase"], state["done"], state["total"], state["percent"]) == (
        "responses",
        100,
        200,
        50,
    )
    progress(phase="responses", done=200, total=200)  # the end always goes through
    assert read_progress(path)["percent"] == 100  # type: ignore[index]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary files left


def test_a_missing_or_unreadable_progress_file_reads_as_none(tmp_path: Path) -> None:
    assert read_progress(tmp_path / "none.json") is None
    (tmp_path / "bad.json").write_text("{half")
    assert read_progress(tmp_path / "bad.json") is None
