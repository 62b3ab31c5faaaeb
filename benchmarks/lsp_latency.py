"""Language-server latency on a 300-cell notebook: jupyter-mlops-lsp against `ruff server`.

Both servers get the same notebook through LSP notebook sync, from the same client, in the same
run. Measured, over N rounds after two warm-up rounds:

- didOpen: from sending `notebookDocument/didOpen` until diagnostics for every code cell arrived
  (every round's notebook has new cell texts, so no server can answer from an earlier parse);
- didChange: from sending a one-cell `notebookDocument/didChange` until that cell's updated
  diagnostics arrived (the edit alternates between two texts, so the findings really change).

Run:  .venv/bin/python benchmarks/lsp_latency.py [--rounds 25] [--cells 300] [--no-ruff] [--rules] [--floor]
      [--one-process]
      .venv/bin/python benchmarks/lsp_latency.py --paired [--rounds 30]   # helper vs one process
(`--rules` also prints where the engine spends a warm lint of the same notebook, per rule.)
Targets (jupyter-mlops): didOpen median <= 100 ms, didChange median <= 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from lsprotocol.converters import get_converter

converter = get_converter()
TARGETS = {"didOpen": 100.0, "didChange": 30.0}
# Every server gets this long after `initialized` before the first open, as in an editor that
# started it a moment before: jupyter-mlops-lsp's helper process is importing the engine.
SETTLE_SECONDS = 2.0


def realistic_notebook(n_cells: int) -> list[tuple[str, str]]:
    """(kind, source) cells of a data scientist's notebook: load, clean, features, train, plot."""
    cells: list[tuple[str, str]] = [
        ("markdown", "# Regional sales forecasting\nLoad each region, clean it, fit a model, compare."),
        ("code", "import pandas as pd\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
                 "from sklearn.model_selection import train_test_split\n"
                 "from sklearn.ensemble import RandomForestRegressor\n"
                 "from sklearn.metrics import mean_absolute_error"),
        ("code", "%matplotlib inline\npd.set_option('display.max_columns', 50)"),
    ]
    i = 0
    while len(cells) < n_cells:
        cells += [
            ("markdown", f"## Region {i}\nSales for region {i}, cleaned and modelled."),
            ("code", f"raw_{i} = pd.read_csv('data/region_{i}.csv', parse_dates=['date'])\nraw_{i}.head()"),
            ("code", f"clean_{i} = raw_{i}.dropna(subset=['price', 'target'])\n"
                     f"clean_{i} = clean_{i}[clean_{i}['price'] > 0]\n"
                     f"print(len(raw_{i}), len(clean_{i}))"),
            ("code", f"def add_features_{i}(frame):\n"
                     "    frame = frame.copy()\n"
                     "    frame['log_price'] = np.log1p(frame['price'])\n"
                     "    frame['month'] = frame['date'].dt.month\n"
                     "    frame['weekday'] = frame['date'].dt.weekday\n"
                     "    return frame\n\n"
                     f"features_{i} = add_features_{i}(clean_{i})"),
            ("code", f"X_{i} = features_{i}[['log_price', 'month', 'weekday']]\n"
                     f"y_{i} = features_{i}['target']\n"
                     f"X_train_{i}, X_test_{i}, y_train_{i}, y_test_{i} = train_test_split(X_{i}, y_{i}, test_size=0.2)"),
            ("code", f"model_{i} = RandomForestRegressor(n_estimators=200, max_depth=8)\n"
                     f"model_{i}.fit(X_train_{i}, y_train_{i})\n"
                     f"score_{i} = mean_absolute_error(y_test_{i}, model_{i}.predict(X_test_{i}))\n"
                     f"print(f'region {i}: MAE {{score_{i}:.3f}}')"),
            ("code", f"fig, ax = plt.subplots(figsize=(6, 4))\n"
                     f"ax.scatter(y_test_{i}, model_{i}.predict(X_test_{i}), s=4)\n"
                     f"ax.set_title('region {i}')"),
        ]
        i += 1
    return cells[:n_cells]


@dataclass
class Recorder:
    seen: dict[str, float] = field(default_factory=dict)  # cell URI -> time of its latest publish
    waiters: list[tuple[set[str], asyncio.Future]] = field(default_factory=list)

    def published(self, uri: str) -> None:
        self.seen[uri] = time.perf_counter()
        for pending, fut in list(self.waiters):
            pending.discard(uri)
            if not pending and not fut.done():
                fut.set_result(time.perf_counter())

    async def wait(self, uris: set[str], timeout: float = 30.0) -> float:
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((set(uris), fut))
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            self.waiters = [w for w in self.waiters if w[1] is not fut]


def _capabilities() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities()),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities()),
        workspace=types.WorkspaceClientCapabilities(configuration=False))


class RawClient:
    """A minimal LSP client over a subprocess' stdio.

    Messages are built with lsprotocol (so they are what the protocol says) and serialised before
    the clock starts; replies are decoded with json.loads only. A full client library decodes every
    diagnostic into typed objects, which here costs more than some servers take to answer, and
    would be measured as server latency."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.recorder = Recorder()
        self.pending: dict[int, asyncio.Future] = {}
        self.next_id = 0
        self.proc: asyncio.subprocess.Process | None = None
        self.reader_task: asyncio.Task | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, limit=1 << 24)
        self.reader_task = asyncio.create_task(self._read())

    @staticmethod
    def frame(payload: dict) -> bytes:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)

    def notification(self, method: str, params: object) -> bytes:
        return self.frame({"jsonrpc": "2.0", "method": method, "params": converter.unstructure(params)})

    def send(self, data: bytes) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(data)

    async def request(self, method: str, params: object) -> object:
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = fut
        self.send(self.frame({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                              "params": converter.unstructure(params)}))
        return await asyncio.wait_for(fut, 60)

    async def _read(self) -> None:
        """Frames are cut out of whatever the pipe holds, not read line by line: the server's
        didOpen answer is hundreds of messages arriving together."""
        assert self.proc is not None and self.proc.stdout is not None
        out = self.proc.stdout
        buffer = b""
        while True:
            chunk = await out.read(1 << 20)
            if not chunk:
                return
            buffer += chunk
            pos = 0
            while True:
                end = buffer.find(b"\r\n\r\n", pos)
                if end < 0:
                    break
                length = next(int(line.split(b":", 1)[1]) for line in buffer[pos:end].split(b"\r\n")
                              if line.lower().startswith(b"content-length"))
                if len(buffer) < end + 4 + length:
                    break
                pos = end + 4 + length
                self._dispatch(json.loads(buffer[end + 4:pos]))
            buffer = buffer[pos:]

    def _dispatch(self, message: dict) -> None:
        method = message.get("method")
        if method is None:
            fut = self.pending.pop(message.get("id"), None)
            if fut is not None and not fut.done():
                fut.set_result(message.get("result"))
        elif "id" in message:  # a request from the server: answer it plainly
            result = [None] * len(message["params"]["items"]) if method == types.WORKSPACE_CONFIGURATION else None
            self.send(self.frame({"jsonrpc": "2.0", "id": message["id"], "result": result}))
        elif method == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            self.recorder.published(message["params"]["uri"])

    async def stop(self) -> None:
        await self.request(types.SHUTDOWN, None)
        self.send(self.frame({"jsonrpc": "2.0", "method": types.EXIT}))
        assert self.proc is not None
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except asyncio.TimeoutError:
            self.proc.kill()
        if self.reader_task is not None:
            self.reader_task.cancel()


async def _started(command: list[str], workdir: Path, options: dict | None = None) -> RawClient:
    client = RawClient(command)
    await client.start()
    await client.request(types.INITIALIZE, types.InitializeParams(
        capabilities=_capabilities(), root_uri=workdir.as_uri(), initialization_options=options,
        workspace_folders=[types.WorkspaceFolder(uri=workdir.as_uri(), name="bench")]))
    client.send(client.notification(types.INITIALIZED, types.InitializedParams()))
    await asyncio.sleep(SETTLE_SECONDS)
    return client


def _round(client: RawClient, name: str, base: list[tuple[str, str]], r: int, workdir: Path
           ) -> tuple[list[tuple[str, str]], str, list[str], set[str], bytes, bytes]:
    """Round r's notebook (new cell texts), its URIs, and its didOpen and didClose messages."""
    cells = [(kind, f"{src}\n# round {r}" if kind == "code" else src) for kind, src in base]
    nb_uri = (workdir / f"round_{r}_{name}.ipynb").as_uri()
    uris = [f"vscode-notebook-cell:{workdir}/round_{r}_{name}.ipynb#C{i}" for i in range(len(cells))]
    code_uris = {u for u, (kind, _) in zip(uris, cells) if kind == "code"}
    opening = client.notification(types.NOTEBOOK_DOCUMENT_DID_OPEN, types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(
            uri=nb_uri, notebook_type="jupyter-notebook", version=1,
            cells=[types.NotebookCell(kind=types.NotebookCellKind.Code if k == "code" else types.NotebookCellKind.Markup,
                                      document=u) for u, (k, _) in zip(uris, cells)]),
        cell_text_documents=[types.TextDocumentItem(uri=u, language_id="python" if k == "code" else "markdown",
                                                    version=1, text=src)
                             for u, (k, src) in zip(uris, cells)]))
    closing = client.notification(types.NOTEBOOK_DOCUMENT_DID_CLOSE, types.DidCloseNotebookDocumentParams(
        notebook_document=types.NotebookDocumentIdentifier(uri=nb_uri),
        cell_text_documents=[types.TextDocumentIdentifier(uri=u) for u in uris]))
    return cells, nb_uri, uris, code_uris, opening, closing


async def measure(name: str, command: list[str], cells: list[tuple[str, str]], rounds: int,
                  workdir: Path, options: dict | None = None) -> dict[str, list[float]]:
    client = await _started(command, workdir, options)
    recorder = client.recorder
    results: dict[str, list[float]] = {"didOpen": [], "didChange": []}
    changed_cell = next(i for i in range(len(cells) // 2, len(cells)) if cells[i][0] == "code")
    variants = ["clean_x = frame_a.dropna()\nprint(clean_x)", "clean_x = missing_frame.dropna()\nprint(clean_x)"]
    base = cells
    for r in range(rounds + 2):
        cells, nb_uri, uris, code_uris, message, closing = _round(client, name, base, r, workdir)
        start = time.perf_counter()
        client.send(message)
        opened = await recorder.wait(code_uris)
        if r >= 2:
            results["didOpen"].append((opened - start) * 1000)
        text = cells[changed_cell][1]
        for v in range(3):
            new = variants[(r + v) % 2]
            old_lines = text.split("\n")
            message = client.notification(types.NOTEBOOK_DOCUMENT_DID_CHANGE, types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(uri=nb_uri, version=2 + v),
                change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
                    text_content=[types.NotebookDocumentCellContentChanges(
                        document=types.VersionedTextDocumentIdentifier(uri=uris[changed_cell], version=2 + v),
                        changes=[types.TextDocumentContentChangePartial(
                            range=types.Range(start=types.Position(line=0, character=0),
                                              end=types.Position(line=len(old_lines) - 1,
                                                                 character=len(old_lines[-1]))),
                            text=new)])]))))
            start = time.perf_counter()
            client.send(message)
            done = await recorder.wait({uris[changed_cell]})
            text = new
            if r >= 2:
                results["didChange"].append((done - start) * 1000)
        client.send(closing)
        await asyncio.sleep(0.05)  # let close-time publishes drain before the next open
    await client.stop()
    return results


async def measure_paired(commands: dict[str, list[str]], cells: list[tuple[str, str]], rounds: int,
                         workdir: Path) -> dict[str, list[float]]:
    """didOpen of two servers running side by side, in alternating rounds (which goes first
    alternates too): both see the same machine speed, so their ratio is fair even on a machine
    whose speed drifts."""
    clients = {name: await _started(command, workdir) for name, command in commands.items()}
    results: dict[str, list[float]] = {name: [] for name in clients}
    for r in range(rounds + 2):
        order = list(clients.items()) if r % 2 else list(reversed(clients.items()))
        for name, client in order:
            _, _, _, code_uris, opening, closing = _round(client, name.split()[0].strip("()"), cells, r, workdir)
            start = time.perf_counter()
            client.send(opening)
            opened = await client.recorder.wait(code_uris)
            if r >= 2:
                results[name].append((opened - start) * 1000)
            client.send(closing)
            await asyncio.sleep(0.05)
    for client in clients.values():
        await client.stop()
    return results


def engine_profile(cells: list[tuple[str, str]], repeats: int = 5) -> None:
    """Time a warm lint of the notebook inside the engine, split by rule (cells already parsed)."""
    from jupyter_mlops.analysis import CellCache, NotebookAnalysis
    from jupyter_mlops.linter.config import LintConfig
    from jupyter_mlops.linter.context import LintContext
    from jupyter_mlops.notebook import Cell, Notebook

    nb = Notebook(path="bench.ipynb", cells=[Cell(index=i, cell_type=k, source=src, id=str(i))  # type: ignore[arg-type]
                                             for i, (k, src) in enumerate(cells)])
    cache, config = CellCache(), LintConfig()
    NotebookAnalysis.build(nb, cache)
    spent: dict[str, float] = {}
    for _ in range(repeats):
        start = time.perf_counter()
        analysis = NotebookAnalysis.build(nb, cache)
        spent["(cell analyses from cache)"] = spent.get("(cell analyses from cache)", 0.0) + time.perf_counter() - start
        ctx = LintContext(nb, analysis, config)
        for rule in config.enabled_rules():
            ctx.rule = rule
            start = time.perf_counter()
            list(rule().check(ctx))
            spent[rule.name] = spent.get(rule.name, 0.0) + time.perf_counter() - start
    total = sum(spent.values()) / repeats * 1000
    print(f"engine, warm lint of the same notebook: {total:.1f} ms; slowest parts:")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {name:<30}{seconds / repeats * 1000:8.1f} ms")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def paired(command: list[str], cells: list[tuple[str, str]], rounds: int) -> int:
    import tempfile
    commands = {"jupyter-mlops-lsp": command, "(one process)": [*command, "--one-process"]}
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(measure_paired(commands, cells, rounds, Path(tmp)))
    print(f"notebook: {len(cells)} cells, {rounds} paired rounds (+2 warm-up), didOpen only")
    print(f"{'server':<20}{'median ms':>10}{'p95 ms':>10}{'n':>5}")
    for name, values in results.items():
        print(f"{name:<20}{statistics.median(values):>10.1f}{_p95(values):>10.1f}{len(values):>5}")
    split, alone = results["jupyter-mlops-lsp"], results["(one process)"]
    ratio = statistics.median(a / b for a, b in zip(split, alone))
    print(f"helper / one process, median of the per-round ratios: {ratio:.3f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--no-ruff", action="store_true", help="skip the ruff server comparison")
    parser.add_argument("--rules", action="store_true", help="also profile the engine's rules on the notebook")
    parser.add_argument("--one-process", action="store_true",
                        help="also run jupyter-mlops-lsp --one-process: every rule in the server, "
                             "no helper process on a second core")
    parser.add_argument("--floor", action="store_true",
                        help="also run jupyter-mlops-lsp with linting off: what the transport, pygls and "
                             "this client cost before any analysis")
    parser.add_argument("--paired", action="store_true",
                        help="only didOpen of jupyter-mlops-lsp with and without its helper process, "
                             "side by side in alternating rounds, and the ratio of each pair")
    args = parser.parse_args()
    cells = realistic_notebook(args.cells)
    servers = {"jupyter-mlops-lsp": [sys.executable, "-m", "jupyter_mlops_lsp"]}
    if args.paired:
        return paired(servers["jupyter-mlops-lsp"], cells, args.rounds)
    options: dict[str, dict] = {}
    if args.one_process:
        servers["(one process)"] = servers["jupyter-mlops-lsp"] + ["--one-process"]
    if args.floor:
        servers["(linting off)"] = servers["jupyter-mlops-lsp"]
        options["(linting off)"] = {"settings": {"enable": False}}
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if not args.no_ruff:
        if ruff:
            servers["ruff server"] = [ruff, "server"]
        else:
            print("ruff not found: comparison skipped", file=sys.stderr)
    import tempfile
    code_cells = sum(1 for k, _ in cells if k == "code")
    print(f"notebook: {len(cells)} cells ({code_cells} code), {args.rounds} rounds "
          f"(+2 warm-up), didChange x3 per round")
    print(f"{'server':<20}{'event':<11}{'median ms':>10}{'p95 ms':>10}{'n':>5}")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name, command in servers.items():
            results = asyncio.run(measure(name.split()[0].strip("()"), command, cells, args.rounds, Path(tmp),
                                          options.get(name)))
            for event, values in results.items():
                median = statistics.median(values)
                print(f"{name:<20}{event:<11}{median:>10.1f}{_p95(values):>10.1f}{len(values):>5}")
                if name == "jupyter-mlops-lsp" and median > TARGETS[event]:
                    ok = False
    print("targets (jupyter-mlops-lsp median): didOpen <= 100 ms, didChange <= 30 ms:",
          "met" if ok else "NOT met")
    if args.rules:
        engine_profile(cells)
    return 0


if __name__ == "__main__":
    sys.exit(main())
