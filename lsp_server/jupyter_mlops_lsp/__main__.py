"""`jupyter-mlops-lsp`: start the language server (stdio by default)."""

from __future__ import annotations

import argparse
import logging
import sys

from jupyter_mlops._version import __version__


def _address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", value
    try:
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT or PORT, got {value!r}") from None
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535, got {number}")
    return host or "127.0.0.1", number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="jupyter-mlops-lsp",
        description="Language server for jupyter-mlops: notebook production hazards in any LSP editor.")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", type=_address,
                        help="listen on a TCP address instead (e.g. 127.0.0.1:2087)")
    parser.add_argument("--one-process", action="store_true",
                        help="lint in the server process only (by default a helper process runs "
                             "half of the rules on a second core)")
    parser.add_argument("--log-level", default="WARNING",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="logging on stderr")
    parser.add_argument("--version", action="version", version=f"jupyter-mlops-lsp {__version__}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="jupyter-mlops-lsp %(levelname)s %(name)s: %(message)s")

    from .server import create_server  # imported late: `--help` stays fast

    server = create_server()
    server.protocol.collector.install()
    linter = server.session.linter
    if not args.one_process and linter.useful():
        linter.start()
    try:
        if args.tcp:
            server.start_tcp(*args.tcp)
        else:
            server.start_io()
    finally:
        linter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
