"""``python -m contracts.catalogue``: rewrite docs/events.md from the event registry.
``--check``: change nothing, exit 1 if docs/events.md is not what it would write."""
import argparse
import sys
import warnings

# Building the document imports the services, and so eventlet, whose deprecation notice is noise here.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from contracts.catalogue import asyncapi, markdown  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(prog=markdown.COMMAND, description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report whether docs/events.md is current")
    args = parser.parse_args(argv)
    gaps = asyncapi.problems()
    if gaps:
        print("the event catalogue is incomplete:\n  " + "\n  ".join(gaps), file=sys.stderr)
        return 1
    text = markdown.render(asyncapi.build())
    current = markdown.TARGET.read_text(encoding="utf-8") if markdown.TARGET.exists() else None
    if args.check:
        if current != text:
            print(f"{markdown.TARGET} is out of date: run `{markdown.COMMAND}`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        markdown.TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {markdown.TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
