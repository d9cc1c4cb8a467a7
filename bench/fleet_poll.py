"""A fleet of machines polling one centre's bundle server: what the 304 path costs.

Run from anywhere, after ``packaging/dev.sh setup``:

    .venv/bin/python bench/fleet_poll.py [--machines 500] [--rounds 5] [--workers 50]

One HTTPS server on 127.0.0.1 (a certificate from a throwaway CA, as a centre's own would
be) publishes a signed ``site.toml``. ``--machines`` simulated machines, each with its own
``fleet.toml`` and site folder, run Leling's real ``fleet.pull`` against it, ``--workers``
at a time. The first round downloads and checks the bundle; every later round, with
nothing changed, is one ``If-None-Match`` request answered 304. For each round it reports
the requests per second the server answered and the bytes it sent (headers and bodies),
and writes every number to ``bench/results/fleet.json``.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import platform
import ssl
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_fleet import BUNDLE, certificate_authority  # noqa: E402

from launcher.core import fleet  # noqa: E402

DEFAULT_OUTPUT = ROOT / "bench" / "results" / "fleet.json"


class Counting:
    """The server's tally: requests by status, and bytes written to the wire."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: dict[int, int] = {}
        self.bytes_sent = 0

    def note(self, status: int, sent: int) -> None:
        with self.lock:
            self.requests[status] = self.requests.get(status, 0) + 1
            self.bytes_sent += sent

    def take(self) -> tuple[dict[int, int], int]:
        with self.lock:
            taken = (dict(self.requests), self.bytes_sent)
            self.requests, self.bytes_sent = {}, 0
            return taken


def serve(folder: Path, files: dict[str, bytes], tally: Counting) -> tuple[Any, Path]:
    ca, cert, key = certificate_authority(folder)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = files.get(self.path)
            if body is None:
                self._answer(404, {}, b"")
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self._answer(304, {"ETag": etag}, b"")
            else:
                self._answer(200, {"ETag": etag}, body)

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            lines = [f"HTTP/1.1 {status} {self.responses[status][0]}"]
            headers = {**headers, "Content-Length": str(len(body)), "Connection": "close"}
            lines += [f"{name}: {value}" for name, value in headers.items()]
            head = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
            self.wfile.write(head + body)
            self.close_connection = True
            tally.note(status, len(head) + len(body))

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, ca


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machines", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="leling-fleet-") as scratch:
        folder = Path(scratch)
        private, public = fleet.make_keys()
        files = {
            "/leling/site.toml": BUNDLE,
            "/leling/site.toml.sig": fleet.sign(BUNDLE, private).encode(),
        }
        tally = Counting()
        server, ca = serve(folder, files, tally)
        url = f"https://127.0.0.1:{server.server_address[1]}/leling/site.toml"
        machines = []
        for number in range(args.machines):
            site_dir = folder / f"machine-{number}"
            site_dir.mkdir()
            (site_dir / "fleet.toml").write_text(
                f'url = "{url}"\npublic_key = "{base64.b64encode(public).decode()}"\nca = "{ca}"\n',
                encoding="utf-8",
            )
            machines.append(site_dir)

        rounds = []
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            for number in range(args.rounds):
                started = time.perf_counter()
                states = list(pool.map(fleet.pull, machines))
                elapsed = time.perf_counter() - started
                requests, sent = tally.take()
                failed = sum(1 for state in states if state.last_error)
                total = sum(requests.values())
                rounds.append(
                    {
                        "round": number + 1,
                        "seconds": elapsed,
                        "requests": requests,
                        "requests_per_s": total / elapsed,
                        "bytes_sent": sent,
                        "bytes_per_machine": sent / args.machines,
                        "failed": failed,
                    }
                )
        server.shutdown()

    print(f"{args.machines} machines, {args.workers} at a time, one HTTPS bundle server\n")
    print("| round | answers | requests/s | bytes sent | per machine | failed |")
    print("|---|---|---:|---:|---:|---:|")
    for row in rounds:
        answers = ", ".join(f"{n}× {status}" for status, n in sorted(row["requests"].items()))
        print(
            f"| {row['round']} | {answers} | {row['requests_per_s']:.0f} "
            f"| {row['bytes_sent']:,} | {row['bytes_per_machine']:.0f} B | {row['failed']} |"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "when": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "machines": args.machines,
                "workers": args.workers,
                "rounds": rounds,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"\nAll numbers: {args.output}")


if __name__ == "__main__":
    main()
