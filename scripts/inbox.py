"""A local inbox for the demo: a JSON webhook on 127.0.0.1 that appends each notice it gets
to a file, one JSON line each. Stands in for the managers' email, Teams or Slack."""

from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LOCK = threading.Lock()


def handler_for(out: Path) -> type[BaseHTTPRequestHandler]:
    class Inbox(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)) or 0)
            try:
                notice = json.loads(body or b"{}")
            except json.JSONDecodeError:
                self.send_response(400)
                self.end_headers()
                return
            with LOCK, out.open("a", encoding="utf-8") as inbox:
                inbox.write(json.dumps(notice) + "\n")
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return  # notices stay in the inbox file, not in logs

    return Inbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(args.out)).serve_forever()


if __name__ == "__main__":
    main()
