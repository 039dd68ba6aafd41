"""How fast is `reattune detect` against GNU sort on the same file? (benchmarks/README.md)

    .venv/bin/python benchmarks/detect_speed.py [--rows 1000000] [--folder DIR]

Writes a synthetic input CSV (fixed seed: the same file every run), then times, best of three:
GNU `sort -t, -k1,1 -k2,2n` of the rows (header excluded) to /dev/null, in your locale and with
LC_ALL=C for reference; and `reattune detect FILE --output OUT` as a subprocess, with its peak
memory. Prints the figures, the targets (detect at most 5x the default-locale sort, under
1,500 MB), and where detect's time goes, phase by phase and rule by rule, measured in-process.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

SEED = 20240611
RATIO_TARGET = 5.0
MEMORY_TARGET_MB = 1500.0
RUNS = 3


def generate(rows: int, seed: int = SEED) -> pl.DataFrame:
    """A clinic's export in chronological order: the alliance check every session, PHQ-9 and
    GAD-7 at intake and every eighth session, 8-20 weekly sessions a client, about 5% missed."""
    rng = np.random.default_rng(seed)
    clients = rows // 17 + 1000  # about 18.5 rows a client; trimmed to `rows` below
    sessions = rng.integers(8, 21, clients)
    client = np.repeat(np.arange(clients), sessions)
    session = np.arange(client.size) - np.repeat(np.cumsum(sessions) - sessions, sessions) + 1
    start = rng.integers(0, 730, clients)
    day = start[client] + 7 * (session - 1) + rng.integers(-1, 2, client.size)
    missed = rng.random(client.size) < 0.05
    severity = rng.uniform(0.15, 0.85, clients)
    improves = rng.uniform(-0.2, 0.8, clients)  # a few get worse
    level = rng.uniform(6.0, 10.0, clients)
    frames = [
        _alliance(rng, client, session, day, missed, level),
        *(
            _outcome(rng, name, count, client, session, day, missed, severity, improves)
            for name, count in (("phq9", 9), ("gad7", 7))
        ),
    ]
    every = pl.concat(frames).sort("date", "client_n", "session", "measure").head(rows)
    return every.select(
        pl.format("C{}", pl.col("client_n").cast(pl.String).str.zfill(6)).alias("client_id"),
        "session",
        "measure",
        "total",
        "items",
        "attendance",
        "felt_off",
        pl.format("T{}", (pl.col("client_n") % 400).cast(pl.String).str.zfill(3)).alias(
            "therapist_id"
        ),
        (pl.date(2023, 1, 1) + pl.duration(days=pl.col("date"))).alias("date"),
    )


def _rows(
    measure: str,
    client: np.ndarray,
    session: np.ndarray,
    day: np.ndarray,
    missed: np.ndarray,
    items: np.ndarray,
    felt_off: np.ndarray | None = None,
) -> pl.DataFrame:
    columns = {f"_q{k}": items[:, k] for k in range(items.shape[1])}
    frame = pl.DataFrame(
        {
            "client_n": client,
            "session": session,
            "date": day,
            "missed": missed,
            "_total": items.sum(axis=1),
            "_off": np.zeros(client.size, dtype=bool) if felt_off is None else felt_off,
            **columns,
        }
    )
    attended = ~pl.col("missed")
    answer = pl.when(pl.col("_off")).then(pl.lit("yes")).otherwise(pl.lit("no"))
    return frame.select(
        "client_n",
        "session",
        "date",
        pl.lit(measure).alias("measure"),
        pl.when(attended).then(pl.col("_total")).alias("total"),
        pl.when(attended)
        .then(pl.concat_str([pl.col(c).cast(pl.String) for c in columns], separator=" "))
        .alias("items"),
        pl.when(attended)
        .then(pl.lit("attended"))
        .when(pl.col("session") % 2 == 0)
        .then(pl.lit("cancelled"))
        .otherwise(pl.lit("no_show"))
        .alias("attendance"),
        (pl.when(attended).then(answer) if felt_off is not None else pl.lit(None))
        .cast(pl.String)
        .alias("felt_off"),
    )


def _outcome(
    rng: np.random.Generator,
    measure: str,
    count: int,
    client: np.ndarray,
    session: np.ndarray,
    day: np.ndarray,
    missed: np.ndarray,
    severity: np.ndarray,
    improves: np.ndarray,
) -> pl.DataFrame:
    asked = (session - 1) % 8 == 0
    c, s = client[asked], session[asked]
    p = severity[c] * (1 - improves[c] * (1 - np.exp(-(s - 1) / 5)))
    p = np.clip(p + rng.normal(0, 0.05, c.size), 0.0, 1.0)
    items = rng.binomial(3, p[:, None], (c.size, count))
    return _rows(measure, c, s, day[asked], missed[asked], items)


def _alliance(
    rng: np.random.Generator,
    client: np.ndarray,
    session: np.ndarray,
    day: np.ndarray,
    missed: np.ndarray,
    level: np.ndarray,
) -> pl.DataFrame:
    rupture = rng.random(client.size) < 0.03
    base = level[client] - np.where(rupture, rng.uniform(3, 6, client.size), 0)
    items = np.clip(np.rint(base[:, None] + rng.normal(0, 0.8, (client.size, 4))), 0, 10)
    off = rng.random(client.size) < np.where(rupture, 0.4, 0.02)
    return _rows("alliance", client, session, day, missed, items.astype(np.int64), off)


class Failed(Exception):
    """A command exited non-zero; the message is the end of its standard error."""


def best_of(runs: int, command: list[str], env: dict[str, str] | None = None) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - our own fixed commands
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
        )
        if done.returncode != 0:
            last = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
            raise Failed(f"exit {done.returncode}: {''.join(last)}")
        best = min(best, time.perf_counter() - started)
    return best


def peak_rss_mb() -> float:
    """The largest resident set of any child so far (so run detect before sort)."""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def phases(path: Path, output: Path) -> dict[str, str]:
    """Where the time goes inside detect, measured in this process, phase by phase and rule by
    rule; best of RUNS, like the whole-command figure."""
    from reattune.detection import csvio, engine
    from reattune.detection.frame import Context, in_series_order
    from reattune.measures.definitions import load_definitions

    best: dict[str, float] = {}
    failures: dict[str, str] = {}

    def timed(label: str, work: Callable[[], object]) -> object:
        started = time.perf_counter()
        try:
            result = work()
        except BaseException as e:  # polars' panics are BaseExceptions
            if isinstance(e, KeyboardInterrupt):
                raise
            failures[label] = f"FAILED {type(e).__name__}: {str(e).splitlines()[0][:70]}"
            return None
        best[label] = min(best.get(label, float("inf")), time.perf_counter() - started)
        return result

    definitions = load_definitions()
    context = Context(definitions=definitions)
    for _ in range(RUNS):
        frame = timed("read + validate CSV", partial(csvio.read_measurements, path, definitions))
        assert isinstance(frame, pl.DataFrame)
        ordered = timed("engine: order check and ids", partial(in_series_order, frame))
        assert isinstance(ordered, pl.DataFrame)
        for rule in engine.RULES:
            timed(f"rule {rule.__module__.rsplit('.', 1)[-1]}", partial(rule, ordered, context))
        signals = timed("engine.detect, all rules", partial(engine.detect, frame, context))
        if isinstance(signals, pl.DataFrame):
            timed("write signals CSV", partial(csvio.write_signals, signals, output, sys.stdout))
    return {label: f"{seconds:6.2f} s" for label, seconds in best.items()} | failures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--folder", type=Path, help="keep the files here (default: temporary)")
    args = parser.parse_args(argv)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="reattune-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    data, body, output = folder / "input.csv", folder / "body.csv", folder / "signals.csv"
    reattune = Path(sys.executable).with_name("reattune")

    started = time.perf_counter()
    frame = generate(args.rows)
    frame.write_csv(data)
    body.write_bytes(data.read_bytes().split(b"\n", 1)[1])
    clients = frame["client_id"].n_unique()
    size_mb = data.stat().st_size / 1e6
    print(f"input      {data} ({size_mb:.0f} MB, {clients:,} clients)")
    print(f"           generated in {time.perf_counter() - started:.1f} s")
    del frame

    failure = ""
    try:
        detect_s = best_of(RUNS, [str(reattune), "detect", str(data), "--output", str(output)])
    except Failed as e:
        detect_s, failure = float("nan"), str(e)
    peak_mb = peak_rss_mb()  # before any sort runs: only detect's children so far
    sort = ["sort", "-t,", "-k1,1", "-k2,2n", str(body), "-o", "/dev/null"]
    sort_s = best_of(RUNS, sort)
    sort_c_s = best_of(RUNS, sort, env={**os.environ, "LC_ALL": "C"})
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_COLLATE") or os.environ.get("LANG")
    ratio = detect_s / sort_s

    print(f"rows       {args.rows:,}")
    print(f"sort       {sort_s:.2f} s  (locale {locale or 'POSIX'}; best of {RUNS})")
    print(f"sort (C)   {sort_c_s:.2f} s  (LC_ALL=C, for reference)")
    if failure:
        print(f"detect     FAILED ({failure})")
    else:
        signals = pl.read_csv(output, infer_schema=False).height
        print(f"detect     {detect_s:.2f} s  (best of {RUNS}; {signals:,} signals)")
        verdict = "ok" if ratio <= RATIO_TARGET else "OVER TARGET"
        print(f"ratio      {ratio:.2f}  detect / sort (target ≤ {RATIO_TARGET:g}: {verdict})")
    verdict = "ok" if peak_mb < MEMORY_TARGET_MB else "OVER TARGET"
    print(f"peak RSS   {peak_mb:.0f} MB  (target < {MEMORY_TARGET_MB:g}: {verdict})")

    print(
        f"\nwhere detect's time goes (in-process, best of {RUNS}, after Python and polars start):"
    )
    for label, figure in phases(data, output).items():
        print(f"  {label:<30} {figure}")
    if args.folder is None:
        shutil.rmtree(folder)
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
