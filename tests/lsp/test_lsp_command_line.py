"""`jupyter-mlops-lsp` on the command line: stdio by default, TCP on request, loopback by default."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

SERVER = [sys.executable, "-m", "jupyter_mlops_lsp"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _message(payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_tcp_serves_on_loopback():
    port = _free_port()
    proc = subprocess.Popen([*SERVER, "--tcp", str(port)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=30)
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not listen"
                assert proc.poll() is None, proc.stderr.read().decode()
                time.sleep(0.1)
        with conn:
            conn.sendall(_message({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                   "params": {"processId": None, "rootUri": None, "capabilities": {}}}))
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            header, _, rest = data.partition(b"\r\n\r\n")
            length = int(next(l for l in header.split(b"\r\n") if l.lower().startswith(b"content-length")).split(b":")[1])
            while len(rest) < length:
                rest += conn.recv(65536)
            reply = json.loads(rest[:length])
        assert reply["result"]["serverInfo"]["name"] == "jupyter-mlops"
        assert reply["result"]["capabilities"]["hoverProvider"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_bad_address_is_a_one_line_usage_error():
    done = subprocess.run([*SERVER, "--tcp", "localhost:notaport"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "expected HOST:PORT or PORT" in done.stderr and "Traceback" not in done.stderr
