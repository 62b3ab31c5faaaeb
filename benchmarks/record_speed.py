"""Speed of the record: durable ledger appends, verification, data snapshots.

Measures, in temporary folders (nothing of yours is touched; the signing key is a throwaway):

- the disk's own fsync rate (a loop of 200-byte write + fsync): the ceiling of any store that
  makes each commit durable on its own, so the append figures can be read against it;
- durable appends per second, one writer: each `Ledger.append` its own commit (WAL,
  synchronous=FULL: one fsync each), and batched `append_many` (100 entries per durable commit);
- the same with four writer processes at once (parallel trials);
- verification of a 100,000-entry ledger: chain only (hashes and links) and full (every ed25519
  signature too);
- `data snapshot` of a 10,000-file tree: cold (every file hashed) and warm (unchanged: stat only).

Wall time is what a user waits; the CPU column (this process's user+sys time, per append or per
run) is the fairer figure on a loaded, shared machine. The concurrent writers' CPU is in their
own processes and not shown.

Run:   .venv/bin/python benchmarks/record_speed.py [--appends 2000] [--entries 100000] [--files 10000] [--json]
Issue targets (2 cores): >= 4,000 durable appends/s single writer (fsync per commit, or batched
commits that stay durable); chain-only verify of 100,000 entries <= 1 s; warm snapshot of
10,000 files <= 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TARGET_APPENDS_S = 4000
TARGET_VERIFY_100K_S = 1.0
TARGET_WARM_SNAPSHOT_S = 0.5
PAYLOAD = {"params": {"C": 1.0, "max_depth": 6, "model": "gradient_boosting"},
           "metrics": {"auc": 0.9132, "f1": 0.8421}, "status": "passed", "duration_s": 12.5}

_WORKER = """
import sys, time
sys.path.insert(0, {repo!r})
from jupyter_mlops.audit import Ledger
from jupyter_mlops.project import Project
led = Ledger(Project.find(explicit=sys.argv[1]))
n, batch = int(sys.argv[2]), int(sys.argv[3])
payload = {payload!r}
led.append("bench.warmup", "w", {{}})
print("ready", flush=True)
sys.stdin.readline()
for i in range(0, n, batch):
    items = [("trial.finished", f"trial:bench/{{sys.argv[4]}}-{{i + j}}", payload) for j in range(batch)]
    led.append_many(items)
"""


def fsync_rate(folder: Path, n: int = 300) -> float:
    path = folder / "fsync.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        start = time.perf_counter()
        for _ in range(n):
            os.write(fd, b"x" * 200)
            os.fsync(fd)
        return n / (time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()


def single_writer(folder: Path, n: int, batch: int) -> tuple[float, float]:
    from jupyter_mlops.audit import Ledger
    from jupyter_mlops.project import Project
    root = folder / f"single-{batch}"
    root.mkdir()
    led = Ledger(Project.find(explicit=root))
    led.append("bench.warmup", "w", {})
    start, cpu = time.perf_counter(), time.process_time()
    if batch == 1:
        for i in range(n):
            led.append("trial.finished", f"trial:bench/{i}", PAYLOAD)
    else:
        for i in range(0, n, batch):
            led.append_many([("trial.finished", f"trial:bench/{i + j}", PAYLOAD) for j in range(batch)])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    led.close()
    return n / elapsed, cpu / n * 1e6


def concurrent_writers(folder: Path, n: int, batch: int, writers: int = 4) -> tuple[float, bool]:
    from jupyter_mlops.audit import Ledger
    from jupyter_mlops.audit.verify import verify
    from jupyter_mlops.project import Project
    root = folder / f"concurrent-{batch}"
    root.mkdir()
    script = folder / "worker.py"
    script.write_text(_WORKER.format(repo=str(REPO), payload=PAYLOAD))
    each = max(batch, n // writers // batch * batch)
    procs = [subprocess.Popen([sys.executable, str(script), str(root), str(each), str(batch), str(w)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for w in range(writers)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        p.wait()
    elapsed = time.perf_counter() - start
    led = Ledger(Project.find(explicit=root))
    ok = verify(led).ok and len(led.entries("trial.finished")) == each * writers
    return each * writers / elapsed, ok


def verification(folder: Path, entries: int) -> dict[str, float]:
    from jupyter_mlops.audit import Ledger
    from jupyter_mlops.audit.verify import verify
    from jupyter_mlops.project import Project
    root = folder / "verify"
    root.mkdir()
    led = Ledger(Project.find(explicit=root))
    start = time.perf_counter()
    for i in range(0, entries - 1, 5000):
        led.append_many([("trial.finished", f"trial:bench/{i + j}", {**PAYLOAD, "i": i + j})
                         for j in range(min(5000, entries - 1 - i))])
    build = time.perf_counter() - start
    led.close()
    out = {"entries": Ledger(Project.find(explicit=root)).count(), "build_s": build}
    for label, full in (("chain_s", False), ("full_s", True)):
        fresh = Ledger(Project.find(explicit=root))  # a new process's view: nothing cached
        start, cpu = time.perf_counter(), time.process_time()
        report = verify(fresh, full=full)
        out[label] = time.perf_counter() - start
        out[label.replace("_s", "_cpu_s")] = time.process_time() - cpu
        assert report.ok, report.summary()
        fresh.close()
    return out


def snapshots(folder: Path, files: int) -> dict[str, float]:
    from jupyter_mlops.data import snapshot
    from jupyter_mlops.project import Project
    root = folder / "snap"
    data = root / "data"
    for i in range(files):
        sub = data / f"part={i % 100:03d}"
        if i < 100:
            sub.mkdir(parents=True)
        (sub / f"rows-{i:05d}.csv").write_text(f"id,value\n{i},{i * 7}\n" * 20)
    old = time.time() - 3600  # files written an hour ago (fresh ones are never cached: racy mtime)
    for dirpath, _, names in os.walk(data):
        for n in names:
            os.utime(os.path.join(dirpath, n), (old, old))
    project = Project.find(explicit=root)
    start, cpu = time.perf_counter(), time.process_time()
    first = snapshot(data, project=project)
    cold, cold_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    again = snapshot(data, project=project)
    warm, warm_cpu = time.perf_counter() - start, time.process_time() - cpu
    assert first.files == files and not again.new and again.id == first.id
    return {"files": files, "cold_s": cold, "warm_s": warm, "cold_cpu_s": cold_cpu, "warm_cpu_s": warm_cpu}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--appends", type=int, default=2000)
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="record-bench-", dir=os.environ.get("TMPDIR")) as tmp:
        folder = Path(tmp)
        os.environ["JUPYTER_MLOPS_KEY_DIR"] = str(folder / "keys")  # a throwaway key
        r = {"fsync_per_s": fsync_rate(folder)}
        r["append_single_per_s"], r["append_single_cpu_us"] = single_writer(folder, args.appends, 1)
        r["append_single_batched_per_s"], r["append_batched_cpu_us"] = single_writer(folder, args.appends * 5, 100)
        r["append_4_writers_per_s"], ok1 = concurrent_writers(folder, args.appends, 1)
        r["append_4_writers_batched_per_s"], ok2 = concurrent_writers(folder, args.appends * 5, 100)
        r["concurrent_ledgers_verify"] = ok1 and ok2
        r["verify"] = verification(folder, args.entries)
        r["snapshot"] = snapshots(folder, args.files)
    r["machine"] = {"cpus": os.cpu_count(), "load_1min": os.getloadavg()[0], "python": sys.version.split()[0]}
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    v, s = r["verify"], r["snapshot"]
    rows = [
        ("disk fsync (200-byte write + fsync)", f"{r['fsync_per_s']:,.0f}/s", "", "ceiling for one commit each"),
        ("append, 1 writer, fsync per commit", f"{r['append_single_per_s']:,.0f}/s",
         f"{r['append_single_cpu_us']:.0f} us", f">= {TARGET_APPENDS_S:,}/s"),
        ("append, 1 writer, 100 per durable commit", f"{r['append_single_batched_per_s']:,.0f}/s",
         f"{r['append_batched_cpu_us']:.0f} us", f">= {TARGET_APPENDS_S:,}/s"),
        ("append, 4 writer processes, fsync per commit", f"{r['append_4_writers_per_s']:,.0f}/s", "", ""),
        ("append, 4 writer processes, 100 per commit", f"{r['append_4_writers_batched_per_s']:,.0f}/s", "", ""),
        (f"verify {v['entries']:,} entries, chain only", f"{v['chain_s']:.2f} s", f"{v['chain_cpu_s']:.2f} s",
         f"<= {TARGET_VERIFY_100K_S} s"),
        (f"verify {v['entries']:,} entries, full (signatures)", f"{v['full_s']:.2f} s", f"{v['full_cpu_s']:.2f} s", ""),
        (f"snapshot {s['files']:,} files, cold", f"{s['cold_s']:.2f} s", f"{s['cold_cpu_s']:.2f} s", ""),
        (f"snapshot {s['files']:,} files, warm (unchanged)", f"{s['warm_s']:.2f} s", f"{s['warm_cpu_s']:.2f} s",
         f"<= {TARGET_WARM_SNAPSHOT_S} s"),
    ]
    width = max(len(a) for a, *_ in rows)
    print(f"{'measure':<{width}}  {'measured':>10}  {'CPU (each)':>10}  target")
    for a, b, c, d in rows:
        print(f"{a:<{width}}  {b:>10}  {c:>10}  {d}")
    m = r["machine"]
    print(f"\n{m['cpus']} CPUs, load {m['load_1min']:.1f} at the end, Python {m['python']}; "
          f"concurrent ledgers verified after the run: {r['concurrent_ledgers_verify']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
