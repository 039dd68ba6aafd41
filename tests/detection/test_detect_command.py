"""`reattune detect`: CSV in, signals CSV out, without Django; bad input exits 2 naming the line
and writes nothing."""

from __future__ import annotations

import io
import subprocess
import sys
import types
from pathlib import Path

import polars as pl
import pytest

from reattune import cli
from reattune.detection import commands, engine
from reattune.detection.frame import SIGNAL_COLUMNS

REATTUNE = Path(sys.executable).with_name("reattune")
REQUIRED = ["client_id", "session", "signal", "measure", "severity", "detail"]
HEADER = "client_id,session,measure,total,items,attendance,felt_off"
ROWS = [
    "c1,1,phq9,20,3 3 3 3 2 2 2 2 0,,",
    "c1,1,alliance,38,10 10 9 9,,no",
    "c1,2,phq9,12,2 2 2 2 1 1 1 1 0,,",
    "c1,2,alliance,24,6 6 6 6,,yes",
    "c1,3,phq9,,,no_show,",
    "c2,1,phq9,10,1 1 1 1 1 1 1 1 2,,",
]


@pytest.fixture
def measurements(tmp_path: Path) -> Path:
    path = tmp_path / "input.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n")
    return path


@pytest.fixture
def bad_measurements(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([HEADER, *ROWS, "c2,2,phq9,31,,,"]) + "\n")
    return path


def signals_from(text: str) -> pl.DataFrame:
    return pl.read_csv(io.StringIO(text), infer_schema=False)


def test_it_writes_signals_as_csv_on_standard_output_and_nothing_else(measurements, capsys):
    assert commands.main([str(measurements)]) == 0
    out, err = capsys.readouterr()
    signals = signals_from(out)
    assert signals.columns == SIGNAL_COLUMNS
    assert signals.columns[:6] == REQUIRED
    assert signals.height > 0
    assert {"safety", "reliable_improvement", "alliance_rupture"} <= set(signals["signal"])
    assert err == ""


def test_with_output_it_writes_the_file_and_leaves_standard_output_empty(
    measurements, tmp_path, capsys
):
    output = tmp_path / "signals.csv"
    assert commands.main([str(measurements), "--output", str(output)]) == 0
    assert capsys.readouterr() == ("", "")
    assert pl.read_csv(output, infer_schema=False).columns == SIGNAL_COLUMNS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.csv", "signals.csv"]


def test_bad_input_exits_2_naming_the_line_and_writes_nothing(bad_measurements, tmp_path, capsys):
    output = tmp_path / "signals.csv"
    assert commands.main([str(bad_measurements), "--output", str(output)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{bad_measurements}, line 8: total 31 is out of range for phq9 (0–27)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_bad_input_leaves_an_earlier_output_file_as_it_was(bad_measurements, tmp_path):
    output = tmp_path / "signals.csv"
    output.write_text("yesterday's signals\n")
    assert commands.main([str(bad_measurements), "--output", str(output)], io.StringIO()) == 2
    assert output.read_text() == "yesterday's signals\n"


def test_bad_input_writes_nothing_to_standard_output(bad_measurements, capsys):
    assert commands.main([str(bad_measurements)]) == 2
    assert capsys.readouterr().out == ""


def test_an_unexpected_failure_exits_1_and_leaves_no_file(
    measurements, tmp_path, monkeypatch, capsys
):
    def broken(*args: object, **kwargs: object) -> pl.DataFrame:
        raise RuntimeError("a rule fell over")

    monkeypatch.setattr(engine, "detect", broken)
    output = tmp_path / "signals.csv"
    assert commands.main([str(measurements), "--output", str(output)]) == 1
    err = capsys.readouterr().err
    assert "unexpected error" in err
    assert "RuntimeError: a rule fell over" in err
    assert not output.exists()


def test_a_missing_input_file_exits_2(tmp_path, capsys):
    assert commands.main([str(tmp_path / "nowhere.csv")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'nowhere.csv'}: no such file\n"


def test_an_output_folder_that_does_not_exist_exits_2_before_any_work(
    measurements, tmp_path, capsys
):
    output = tmp_path / "missing" / "signals.csv"
    assert commands.main([str(measurements), "--output", str(output)]) == 2
    message = commands.NO_FOLDER.format(path=output, folder=output.parent)
    assert capsys.readouterr().err == f"reattune detect: {message}\n"


def test_usage_errors_exit_2(capsys):
    assert commands.main([]) == 2
    assert "usage: reattune detect" in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert commands.main(["--help"]) == 0
    assert "--history" in capsys.readouterr().out


def test_history_calibrates_expected_response_bands(measurements, tmp_path, capsys):
    history = tmp_path / "history.csv"
    history.write_text("\n".join([HEADER, *ROWS[:4]]) + "\n")
    assert commands.main([str(measurements), "--history", str(history)]) == 0
    assert signals_from(capsys.readouterr().out).columns == SIGNAL_COLUMNS


def test_history_without_calibration_says_so(measurements, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "reattune.detection.expected", types.ModuleType("stub"))
    assert commands.main([str(measurements), "--history", str(measurements)]) == 2
    assert capsys.readouterr() == ("", f"reattune detect: {commands.NO_CALIBRATION}\n")


def test_bad_history_is_reported_with_its_own_name(measurements, bad_measurements, capsys):
    assert commands.main([str(measurements), "--history", str(bad_measurements)]) == 2
    assert capsys.readouterr().err.startswith(f"{bad_measurements}, line 8: ")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_goes_to_a_terminal_on_standard_error_only(measurements):
    out, err = io.StringIO(), Terminal()
    assert commands.main([str(measurements)], out, err) == 0
    assert signals_from(out.getvalue()).columns == SIGNAL_COLUMNS
    progress = err.getvalue()
    assert "reading" in progress
    assert "validating 6 rows" in progress
    assert "detecting in 6 measurements" in progress
    assert "writing" in progress


# --- The real `reattune` command ----------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command
        [str(REATTUNE), *args], capture_output=True, text=True, check=False, timeout=120
    )


def test_the_reattune_command_runs_detect(measurements):
    done = run("detect", str(measurements))
    assert (done.returncode, done.stderr) == (0, "")
    assert signals_from(done.stdout).columns == SIGNAL_COLUMNS


def test_the_reattune_command_exits_2_on_bad_input(bad_measurements, tmp_path):
    output = tmp_path / "signals.csv"
    done = run("detect", str(bad_measurements), "--output", str(output))
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{bad_measurements}, line 8: total 31 is out of range for phq9" in done.stderr
    assert not output.exists()


def test_detect_does_not_start_django(measurements):
    script = (
        "import sys\n"
        "from reattune.cli import run_detection_command\n"
        f"code = run_detection_command('detect', [{str(measurements)!r}])\n"
        "assert not any(m.split('.')[0] == 'django' for m in sys.modules), 'django imported'\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_help_lists_the_detection_commands():
    done = run("help")
    assert done.returncode == 0
    for name in ("detect", "simulate", "evaluate", "migrate"):
        assert f"    {name}" in done.stdout


def test_a_detection_command_not_written_yet_says_so(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_plain_entry_point", lambda module_name: None)
    assert cli.run_detection_command("evaluate", []) == 2
    expected = cli.NOT_YET.format(command="evaluate", module="reattune.detection.evaluate.run")
    assert capsys.readouterr().err == expected + "\n"


def test_a_missing_module_is_told_apart_from_a_broken_one():
    assert cli._plain_entry_point("reattune.detection.no_such_command") is None
    with pytest.raises(ModuleNotFoundError):
        cli._plain_entry_point("reattune.detection.no_such_package.command")
