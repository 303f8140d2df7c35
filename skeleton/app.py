"""${{ values.name }}: a small key-value store that keeps its data on the pod's volume.

Standard library only. Each key is one file under DATA_DIR, written atomically
(temporary file, fsync, rename), so a restart finds every value it had stored.

  GET    /healthz        liveness: the process serves requests
  GET    /readyz         readiness: the data directory is writable
  GET    /kv/<key>       read a value (404 if absent)
  PUT    /kv/<key>       store the request body
  DELETE /kv/<key>       remove a value
"""

import hashlib
import json
import logging
import os
import signal
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

PORT = int(os.environ.get("PORT", "${{ values.port }}"))
DATA_DIR = os.environ.get("DATA_DIR", "${{ values.mountPath }}")
APP_ENV = os.environ.get("APP_ENV", "${{ values.environment }}")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "info").upper()
MAX_VALUE_BYTES = 1024 * 1024

logging.basicConfig(level=getattr(logging, LOG_LEVEL, logging.INFO), format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger("${{ values.name }}")


def key_path(key: str) -> str:
    # Hash the key: any text is a valid key, and none can name a path outside DATA_DIR.
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return os.path.join(DATA_DIR, "kv", digest)


def write_atomically(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def data_dir_writable() -> bool:
    try:
        os.makedirs(DATA_DIR, exist_ok=True)
        probe = os.path.join(DATA_DIR, ".ready-probe")
        write_atomically(probe, b"ok")
        return True
    except OSError as err:
        log.warning("data directory %s is not writable: %s", DATA_DIR, err)
        return False


class Handler(BaseHTTPRequestHandler):
    server_version = "${{ values.name }}/0.1"

    def log_message(self, fmt, *args):  # route access logs through logging
        log.debug("%s - %s", self.address_string(), fmt % args)

    def reply(self, status: int, body: bytes = b"", content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reply_json(self, status: int, payload) -> None:
        self.reply(status, json.dumps(payload).encode("utf-8"))

    def key(self):
        if not self.path.startswith("/kv/") or len(self.path) <= 4:
            return None
        return unquote(self.path[4:])

    def do_GET(self):
        if self.path == "/healthz":
            return self.reply_json(200, {"status": "ok"})
        if self.path == "/readyz":
            ok = data_dir_writable()
            return self.reply_json(200 if ok else 503, {"status": "ready" if ok else "data directory not writable", "env": APP_ENV})
        key = self.key()
        if key is None:
            return self.reply_json(404, {"error": "not found"})
        try:
            with open(key_path(key), "rb") as f:
                return self.reply(200, f.read(), "application/octet-stream")
        except FileNotFoundError:
            return self.reply_json(404, {"error": "no such key"})

    def do_PUT(self):
        key = self.key()
        if key is None:
            return self.reply_json(404, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_VALUE_BYTES:
            return self.reply_json(413, {"error": f"values are limited to {MAX_VALUE_BYTES} bytes"})
        write_atomically(key_path(key), self.rfile.read(length))
        return self.reply_json(201, {"stored": key})

    def do_DELETE(self):
        key = self.key()
        if key is None:
            return self.reply_json(404, {"error": "not found"})
        try:
            os.unlink(key_path(key))
        except FileNotFoundError:
            return self.reply_json(404, {"error": "no such key"})
        return self.reply_json(200, {"deleted": key})


def main() -> None:
    os.makedirs(DATA_DIR, exist_ok=True)
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    # Kubernetes sends SIGTERM before killing the pod: finish in-flight requests, then exit.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    log.info("serving on port %d, data in %s, env %s", PORT, DATA_DIR, APP_ENV)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
