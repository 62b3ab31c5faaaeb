import sys


def main() -> int:
    print("jupyter-mlops-lsp: not built yet", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
