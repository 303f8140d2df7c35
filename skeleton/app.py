"""${{ values.name }}: a small key-value store, sharded over the StatefulSet's pods.

Standard library only. Every key has exactly one owning pod, chosen by rendezvous
hashing over the pod ordinals 0..REPLICAS-1. A pod that gets a request for a key it
does not own forwards it to the owner through the headless Service's stable DNS name
(<statefulset>-<ordinal>.<service>.<namespace>.svc.cluster.local:<port>), so a value
written through any pod is read back through any pod. Each value is one file under
DATA_DIR/kv, written atomically (temporary file, fsync, rename, fsync of the folder):
a 201 means the value is on disk.

  GET    /healthz        liveness: the process serves requests
  GET    /readyz         readiness: the data folder is writable and the pod is not stopping
  GET    /kv/<key>       read a value (404 if absent)
  PUT    /kv/<key>       store the request body (at most 1 MiB)
  DELETE /kv/<key>       remove a value
  /_peer/...             pod-to-pod calls: status, and moving keys after a replica change

Keys are 1 to 250 characters from A-Z a-z 0-9 - . _ ~ : @ ! $ & ' ( ) * + , ; = /
(percent-encoded or not); the query string is not part of the key.

Environment:
  PORT, DATA_DIR, APP_ENV, LOG_LEVEL
  REPLICAS              how many pods own keys (the StatefulSet's replicas; default 1)
  POD_NAME              <statefulset>-<ordinal> (downward API); needed when REPLICAS > 1
  SERVICE_NAME          the headless Service (default ${{ values.name }})
  POD_NAMESPACE         the namespace (downward API; default ${{ values.namespace }})
  PEER_ADDRESS_PATTERN  host:port of a pod, with {statefulset} {ordinal} {service} {namespace} {port}
  PEER_ADDRESSES        host:port of each pod by ordinal, comma-separated: overrides the
                        pattern, to run the pods outside Kubernetes (e.g. on loopback ports)

When the replica count changes, keys whose owner changed are moved to their new owner
(see "Changing the number of replicas" in README.md); a read that misses on a pod that
has not yet received every key it owns asks the other pods, so no key is ever reported
missing while it sits on another pod. `python3 app.py status` shows every pod's view.

`python3 app.py prestop` is the pod's preStop hook: readiness turns false, then it waits
PRESTOP_SECONDS (default 5) so the Services stop routing here before Kubernetes sends
SIGTERM. On SIGTERM the app stops accepting connections, finishes the requests in
flight (at most SHUTDOWN_TIMEOUT_SECONDS, default 20) and exits.
"""

import hashlib
import http.client
import json
import logging
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

NAME = "${{ values.name }}"
PORT = int(os.environ.get("PORT", "${{ values.port }}"))
DATA_DIR = os.environ.get("DATA_DIR", "${{ values.mountPath }}")
APP_ENV = os.environ.get("APP_ENV", "${{ values.environment }}")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "info").upper()
SERVICE_NAME = os.environ.get("SERVICE_NAME", NAME)
POD_NAMESPACE = os.environ.get("POD_NAMESPACE", "${{ values.namespace }}")
PEER_ADDRESS_PATTERN = os.environ.get(
    "PEER_ADDRESS_PATTERN", "{statefulset}-{ordinal}.{service}.{namespace}.svc.cluster.local:{port}"
)
PEER_TIMEOUT_SECONDS = float(os.environ.get("PEER_TIMEOUT_SECONDS", "5"))
READ_TIMEOUT_SECONDS = float(os.environ.get("READ_TIMEOUT_SECONDS", "15"))
SHUTDOWN_TIMEOUT_SECONDS = float(os.environ.get("SHUTDOWN_TIMEOUT_SECONDS", "20"))
PRESTOP_SECONDS = float(os.environ.get("PRESTOP_SECONDS", "5"))

MAX_VALUE_BYTES = 1024 * 1024
MAX_KEY_LENGTH = 250
KEY_PUNCTUATION = "-._~:@!$&'()*+,;=/"
KEY_PATTERN = re.compile(r"[A-Za-z0-9\-._~:@!$&'()*+,;=/]+")
KEY_RULE = f"keys are 1 to {MAX_KEY_LENGTH} characters from A-Z a-z 0-9 and {' '.join(KEY_PUNCTUATION)}"
DIGEST_PATTERN = re.compile(r"[0-9a-f]{64}")

KV_DIR = os.path.join(DATA_DIR, "kv")
LAYOUT_FILE = os.path.join(DATA_DIR, "layout.json")
DRAINING_MARKER = os.path.join(DATA_DIR, ".draining")
TEMP_PREFIX = ".tmp-"

# Headers between pods. X-Kv-Replicas carries the sender's replica count: pods that
# disagree (a resize rolling out) refuse each other's requests rather than misplace a key.
FROM_HEADER = "X-Kv-From"
REPLICAS_HEADER = "X-Kv-Replicas"
OWNER_HEADER = "X-Kv-Owner"

logging.basicConfig(level=getattr(logging, LOG_LEVEL, logging.INFO), format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger(NAME)


class ConfigError(Exception):
    pass


class Cluster:
    """Who this pod is, how many pods own keys, and how to reach each of them."""

    def __init__(self, env):
        try:
            self.replicas = int(env.get("REPLICAS", "1"))
        except ValueError:
            raise ConfigError(f"REPLICAS must be a whole number, got {env.get('REPLICAS')!r}")
        if self.replicas < 1:
            raise ConfigError(f"REPLICAS must be at least 1, got {self.replicas}")
        self.peer_addresses = [a.strip() for a in env.get("PEER_ADDRESSES", "").split(",") if a.strip()]
        pod_name = env.get("POD_NAME", "")
        match = re.fullmatch(r"(.+)-([0-9]+)", pod_name)
        # Without POD_NAME or PEER_ADDRESSES a single process runs on its own (a local run).
        self.standalone = not pod_name and self.replicas == 1 and not self.peer_addresses
        if match:
            self.statefulset, self.ordinal = match.group(1), int(match.group(2))
        elif self.standalone:
            self.statefulset, self.ordinal = NAME, 0
        else:
            raise ConfigError(
                f"POD_NAME must be <statefulset>-<ordinal> (the StatefulSet sets it), got {pod_name!r}"
            )
        if self.peer_addresses and len(self.peer_addresses) < self.replicas:
            raise ConfigError(
                f"PEER_ADDRESSES lists {len(self.peer_addresses)} address(es) but REPLICAS is {self.replicas}"
            )
        try:
            self.address(0)
        except (KeyError, IndexError, ValueError) as err:
            raise ConfigError(f"PEER_ADDRESS_PATTERN {PEER_ADDRESS_PATTERN!r} is not a host:port pattern: {err}")

    def pod_name(self, ordinal):
        return f"{self.statefulset}-{ordinal}"

    def address(self, ordinal):
        """(host, port) of the pod with this ordinal, or None when no such pod is configured."""
        if self.peer_addresses:
            if ordinal >= len(self.peer_addresses):
                return None
            text = self.peer_addresses[ordinal]
        else:
            text = PEER_ADDRESS_PATTERN.format(
                statefulset=self.statefulset, ordinal=ordinal, service=SERVICE_NAME, namespace=POD_NAMESPACE, port=PORT
            )
        host, _, port = text.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"{text!r} has no :port")
        return host.strip("[]"), int(port)

    def exists(self, ordinal):
        """Whether a pod with this ordinal can be found (its DNS name resolves)."""
        address = None if self.standalone else self.address(ordinal)
        if address is None:
            return False
        try:
            socket.getaddrinfo(address[0], address[1])
            return True
        except OSError:
            return False

    def owner_of(self, digest):
        # Rendezvous hashing: each pod scores the key, the highest score owns it. A replica
        # change moves only the keys of the pods added or removed, never keys between pods that stay.
        return max(range(self.replicas), key=lambda ordinal: hashlib.sha256(f"{ordinal}/{digest}".encode()).digest())


CLUSTER = None  # set in main()


# ---- storage: one file per key, named by the key's SHA-256 (any key is a safe file name)


def digest_of(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def blob_path(digest):
    return os.path.join(KV_DIR, digest)


def fsync_dir(path):
    # A rename or unlink is durable only once the folder itself is flushed.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path, data):
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX)
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
    fsync_dir(folder)


def read_blob(digest):
    try:
        with open(blob_path(digest), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def delete_blob(digest):
    try:
        os.unlink(blob_path(digest))
    except FileNotFoundError:
        return False
    fsync_dir(KV_DIR)
    return True


def remove_stale_temp_files():
    # A crash between mkstemp and rename leaves a .tmp- file behind: never a value, always garbage.
    for folder in (DATA_DIR, KV_DIR):
        stale = [f for f in os.listdir(folder) if f.startswith(TEMP_PREFIX)]
        for name in stale:
            os.unlink(os.path.join(folder, name))
        if stale:
            fsync_dir(folder)
            log.info("removed %d stale temporary file(s) from %s", len(stale), folder)


def data_dir_writable():
    try:
        write_atomically(os.path.join(DATA_DIR, ".ready-probe"), b"ok")
        return True
    except OSError as err:
        log.warning("data directory %s is not writable: %s", DATA_DIR, err)
        return False


# Requests for the same key on its owner are serialized (store, adopt from a peer, delete).
KEY_LOCKS = [threading.Lock() for _ in range(64)]


def key_lock(digest):
    return KEY_LOCKS[int(digest[:8], 16) % len(KEY_LOCKS)]


# ---- pod-to-pod calls


class PeerUnavailable(Exception):
    pass


def peer_request(ordinal, method, path, body=None, headers=None):
    """One request to another pod: (status, headers, body). Raises PeerUnavailable when it cannot be asked."""
    address = CLUSTER.address(ordinal)
    if address is None:
        raise PeerUnavailable(f"{CLUSTER.pod_name(ordinal)} has no address")
    conn = http.client.HTTPConnection(address[0], address[1], timeout=PEER_TIMEOUT_SECONDS)
    try:
        sent = {FROM_HEADER: str(CLUSTER.ordinal), REPLICAS_HEADER: str(CLUSTER.replicas), "Connection": "close"}
        sent.update(headers or {})
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read(MAX_VALUE_BYTES + 65536)
        return response.status, response, data
    except (OSError, http.client.HTTPException) as err:
        raise PeerUnavailable(f"{CLUSTER.pod_name(ordinal)} could not be reached: {err}") from err
    finally:
        conn.close()


def in_parallel(calls):
    """Runs the zero-argument calls on threads; returns their results (or exceptions) in order."""
    results = [None] * len(calls)

    def run(i, call):
        try:
            results[i] = call()
        except Exception as err:  # reported to the caller, which decides
            results[i] = err

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


class Placement:
    """Where keys are after a replica change, and moving them to their owner.

    layout.json remembers the replica count this pod last ran with and whether, for that
    count, every key this pod owns is known to be on its disk ("settled"). After a change
    this pod is not settled: a miss asks the other pods (including pods of the previous,
    larger layout), and it settles once every pod reports the same replica count and no
    key left that it does not own. Each pod hands the keys it no longer owns to their owner.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.misplaced = set()
        self.extra = set()  # running pods beyond the layout (draining before a scale-down)
        saved = self._load()
        previous = max(whole(saved.get("replicas")), whole(saved.get("consult")))
        self.settled = saved.get("replicas") == CLUSTER.replicas and saved.get("settled") is True
        self.consult = CLUSTER.replicas if self.settled else max(CLUSTER.replicas, previous)
        if not self.settled:
            self._save()
        for name in os.listdir(KV_DIR):
            if DIGEST_PATTERN.fullmatch(name) and CLUSTER.owner_of(name) != CLUSTER.ordinal:
                self.misplaced.add(name)

    @staticmethod
    def _load():
        try:
            with open(LAYOUT_FILE, encoding="utf-8") as f:
                saved = json.load(f)
            return saved if isinstance(saved, dict) else {}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            log.warning("%s is unreadable (%s): treating the layout as changed", LAYOUT_FILE, err)
            return {}

    def _save(self):
        state = {"replicas": CLUSTER.replicas, "settled": self.settled, "consult": self.consult}
        write_atomically(LAYOUT_FILE, json.dumps(state).encode("utf-8"))

    def status(self):
        with self.lock:
            return {
                "pod": CLUSTER.pod_name(CLUSTER.ordinal),
                "ordinal": CLUSTER.ordinal,
                "replicas": CLUSTER.replicas,
                "settled": self.settled,
                "misplaced": len(self.misplaced),
            }

    def others(self):
        """Ordinals of the other pods that may hold keys: the layout, the previous one, draining pods."""
        with self.lock:
            ordinals = set(range(max(self.consult, CLUSTER.replicas))) | self.extra
        ordinals.discard(CLUSTER.ordinal)
        return sorted(ordinals)

    def saw_replica_count(self, replicas, sender):
        # A pod with another replica count means a resize is rolling out: misses must ask around
        # again, that pod included, until it runs with this pod's count.
        if replicas == CLUSTER.replicas:
            return
        # Headers can come from anyone: only a pod that really exists joins the ones to ask.
        known = sender is not None and sender != CLUSTER.ordinal and CLUSTER.exists(sender)
        with self.lock:
            changed = self.settled
            self.settled = False
            if known:
                self.extra.add(sender)
        if changed:
            log.warning(
                "a pod runs with REPLICAS=%s, this one with %s: asking other pods on misses", replicas, CLUSTER.replicas
            )
            threading.Thread(target=self.settle_loop, daemon=True).start()

    def forget(self, digest):
        with self.lock:
            self.misplaced.discard(digest)

    def settle_loop(self):
        attempts = 0
        while not self.settled and not STOPPING.is_set():
            probe = max(self.consult, CLUSTER.replicas)
            while probe < 64 and CLUSTER.exists(probe):
                with self.lock:
                    self.extra.add(probe)
                probe += 1
            waiting = []
            others = self.others()
            answers = in_parallel([lambda o=o: peer_request(o, "GET", "/_peer/status") for o in others])
            for ordinal, answer in zip(others, answers):
                try:
                    status = json.loads(answer[2]) if not isinstance(answer, Exception) and answer[0] == 200 else None
                except ValueError:
                    status = None
                if not isinstance(status, dict):
                    waiting.append(f"{CLUSTER.pod_name(ordinal)} (no answer)")
                elif status.get("replicas") != CLUSTER.replicas or status.get("misplaced") != 0:
                    waiting.append(
                        f"{CLUSTER.pod_name(ordinal)} (REPLICAS={status.get('replicas')}, "
                        f"{status.get('misplaced')} key(s) to move)"
                    )
            if not waiting:
                with self.lock:
                    self.settled = True
                    self.consult = CLUSTER.replicas
                    self.extra.clear()
                self._save()
                log.info("settled: every key this pod owns is on its disk")
                return
            attempts += 1
            if attempts % 30 == 1:
                log.info("not settled yet, waiting for: %s", ", ".join(waiting))
            STOPPING.wait(1)

    def handoff_loop(self):
        """Sends every key this pod does not own to its owner, then deletes it here."""
        while self.misplaced and not STOPPING.is_set():
            with self.lock:
                pending = sorted(self.misplaced)
            for digest in pending:
                data = read_blob(digest)
                if data is None:
                    self.forget(digest)
                    continue
                owner = CLUSTER.owner_of(digest)
                try:
                    status, _, body = peer_request(owner, "PUT", f"/_peer/blob/{digest}", body=data)
                except PeerUnavailable as err:
                    log.debug("hand-off of %s postponed: %s", digest, err)
                    continue
                if status in (200, 201, 410):  # stored, owner has a newer copy, or it was deleted meanwhile
                    delete_blob(digest)
                    self.forget(digest)
                else:
                    log.debug("hand-off of %s to %s: %s %s", digest, CLUSTER.pod_name(owner), status, body[:200])
            if self.misplaced:
                STOPPING.wait(1)
        if not self.misplaced:
            log.info("every key this pod does not own has been handed to its owner")


def whole(value):
    return value if isinstance(value, int) and value >= 0 else 0


def whole_or_none(text):
    return int(text) if text.isdigit() and len(text) < 4 else None


PLACEMENT = None  # set in main()
STOPPING = threading.Event()


# ---- HTTP


class Refusal(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class IncompleteBody(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    server_version = "${{ values.name }}/0.2"
    # HTTP/1.1 so that clients sending "Expect: 100-continue" get a refusal before the body;
    # every response closes the connection, so no idle keep-alive delays a shutdown.
    protocol_version = "HTTP/1.1"
    timeout = READ_TIMEOUT_SECONDS

    def log_message(self, fmt, *args):  # route access logs through logging
        log.debug("%s - %s", self.address_string(), fmt % args)

    # -- responses

    def reply(self, status, body=b"", content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    def reply_json(self, status, payload, headers=None):
        self.reply(status, json.dumps(payload).encode("utf-8"), headers=headers)

    def refuse(self, refusal):
        """Answers a request whose body will not be read, then lets the client finish sending.

        Closing a socket with unread data resets the connection, and the client may lose the
        answer; so the write side is shut and what still arrives is discarded, briefly.
        """
        self.reply_json(refusal.status, {"error": refusal.message})
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.5)
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline and self.connection.recv(65536):
                pass
        except OSError:
            pass

    # -- request parsing

    def target(self):
        path = self.path
        if "://" in path.split("?", 1)[0]:  # absolute-form request target
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return path.split("?", 1)[0].split("#", 1)[0]

    def key(self):
        """The key of a /kv/ request (query string excluded), or None for other paths. Raises Refusal."""
        path = self.target()
        if not path.startswith("/kv/"):
            return None
        try:
            key = unquote(path[len("/kv/"):], encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise Refusal(400, f"the key is not valid UTF-8 once percent-decoded; {KEY_RULE}")
        if not key:
            raise Refusal(400, f"the key is empty; {KEY_RULE}")
        if len(key) > MAX_KEY_LENGTH:
            raise Refusal(400, f"the key is {len(key)} characters long; {KEY_RULE}")
        if not KEY_PATTERN.fullmatch(key):
            bad = next(c for c in key if not KEY_PATTERN.fullmatch(c))
            raise Refusal(400, f"the key contains {bad!r}, which is not allowed; {KEY_RULE}")
        return key

    def peer_digest(self, prefix):
        path = self.target()
        if not path.startswith(prefix):
            return None
        digest = path[len(prefix):]
        if not DIGEST_PATTERN.fullmatch(digest):
            raise Refusal(400, "peer paths take a lowercase SHA-256 hex digest")
        return digest

    def body_length(self):
        """The declared body length, or "chunked". Raises Refusal for what cannot be read safely."""
        codings = [c.strip().lower() for v in self.headers.get_all("Transfer-Encoding") or [] for c in v.split(",")]
        lengths = self.headers.get_all("Content-Length") or []
        if codings:
            if lengths:
                raise Refusal(400, "send either Content-Length or Transfer-Encoding, not both")
            if codings != ["chunked"]:
                raise Refusal(
                    501, f"Transfer-Encoding {', '.join(codings)!r} is not supported; use chunked or Content-Length"
                )
            return "chunked"
        if not lengths:
            raise Refusal(411, "a PUT needs a Content-Length header (or Transfer-Encoding: chunked)")
        if len(lengths) > 1:
            raise Refusal(400, "more than one Content-Length header")
        text = lengths[0].strip()
        if not re.fullmatch(r"[0-9]{1,19}", text):
            raise Refusal(400, f"Content-Length must be a whole number of bytes, 0 or more; got {text[:40]!r}")
        length = int(text)
        if length > MAX_VALUE_BYTES:
            raise Refusal(413, f"values are limited to {MAX_VALUE_BYTES} bytes; Content-Length is {length}")
        return length

    def read_body(self, length):
        if length != "chunked":
            data = self.rfile.read(length)
            if len(data) < length:
                raise IncompleteBody(f"the client sent {len(data)} of {length} bytes")
            return data
        data = bytearray()
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise IncompleteBody("the chunked body ended early")
            if not line.endswith(b"\n"):
                raise Refusal(400, "malformed chunk size line")
            size = line.split(b";", 1)[0].strip()
            if not re.fullmatch(rb"[0-9A-Fa-f]{1,8}", size):
                raise Refusal(400, f"malformed chunk size {size[:20]!r}")
            size = int(size, 16)
            if size == 0:
                break
            if len(data) + size > MAX_VALUE_BYTES:
                raise Refusal(413, f"values are limited to {MAX_VALUE_BYTES} bytes")
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise IncompleteBody("the chunked body ended early")
            data += chunk
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise Refusal(400, "a chunk is not followed by CRLF")
        for _ in range(100):  # trailer fields, ignored
            line = self.rfile.readline(8192)
            if line in (b"\r\n", b"\n"):
                return bytes(data)
            if not line.endswith(b"\n"):
                raise IncompleteBody("the chunked body ended early")
        raise Refusal(400, "too many trailer fields")

    def handle_expect_100(self):
        # Refuse before the client sends a body that would be refused anyway.
        if self.command == "PUT":
            try:
                self.key() or self.peer_digest("/_peer/blob/")
                self.body_length()
            except Refusal as refusal:
                self.refuse(refusal)
                return False
        return super().handle_expect_100()

    # -- routing

    def do_GET(self):
        self.dispatch(self.get)

    def do_PUT(self):
        self.dispatch(self.put)

    def do_DELETE(self):
        self.dispatch(self.delete)

    def dispatch(self, method):
        try:
            method()
        except Refusal as refusal:
            self.refuse(refusal)
        except IncompleteBody as err:
            log.info("%s %s: nothing stored, %s", self.command, self.target(), err)
            self.close_connection = True
        except (socket.timeout, ConnectionError) as err:
            log.info("%s %s: nothing stored, connection lost (%s)", self.command, self.target(), err)
            self.close_connection = True
        except OSError as err:
            log.error("%s %s: %s", self.command, self.target(), err)
            self.reply_json(500, {"error": f"storage error: {err.strerror or err}"})

    def get(self):
        path = self.target()
        if path == "/healthz":
            return self.reply_json(200, {"status": "ok"})
        if path == "/readyz":
            return self.readyz()
        if path == "/_peer/status":
            return self.reply_json(200, PLACEMENT.status())
        digest = self.peer_digest("/_peer/blob/")
        if digest is not None:
            data = read_blob(digest)
            layout = {REPLICAS_HEADER: str(CLUSTER.replicas)}
            if data is None:
                return self.reply_json(404, {"error": "not here"}, headers=layout)
            return self.reply(200, data, "application/octet-stream", headers=layout)
        key = self.key()
        if key is None:
            return self.reply_json(404, {"error": "not found"})
        self.route(key, self.owner_get)

    def put(self):
        digest = self.peer_digest("/_peer/blob/")
        key = None if digest else self.key()
        if digest is None and key is None:
            return self.reply_json(404, {"error": "not found"})
        data = self.read_body(self.body_length())
        if digest is not None:
            return self.receive_handoff(digest, data)
        self.route(key, lambda k, d: self.owner_put(k, d, data), body=data)

    def delete(self):
        digest = self.peer_digest("/_peer/blob/")
        if digest is not None:
            deleted = delete_blob(digest)
            PLACEMENT.forget(digest)
            return self.reply_json(200 if deleted else 404, {"deleted": deleted})
        key = self.key()
        if key is None:
            return self.reply_json(404, {"error": "not found"})
        self.route(key, self.owner_delete)

    def readyz(self):
        status = PLACEMENT.status()
        if STOPPING.is_set() or os.path.exists(DRAINING_MARKER):
            return self.reply_json(503, {"status": "stopping", **status})
        if not data_dir_writable():
            return self.reply_json(503, {"status": "data directory not writable", **status})
        return self.reply_json(200, {"status": "ready", "env": APP_ENV, **status})

    # -- one owner per key

    def route(self, key, on_owner, body=None):
        digest = digest_of(key)
        owner = CLUSTER.owner_of(digest)
        sender = self.headers.get(FROM_HEADER)
        if sender is not None:
            # Forwarded by another pod: serve here, never forward again.
            replicas = self.headers.get(REPLICAS_HEADER, "")
            if replicas != str(CLUSTER.replicas):
                PLACEMENT.saw_replica_count(whole_or_none(replicas), whole_or_none(sender))
                return self.reply_json(
                    503,
                    {
                        "error": f"pods disagree on the replica count ({CLUSTER.replicas} here, {replicas or '?'} "
                        "at the sender): a resize is rolling out, retry"
                    },
                    headers={"Retry-After": "2"},
                )
            if owner != CLUSTER.ordinal:
                return self.reply_json(
                    421,
                    {
                        "error": f"{CLUSTER.pod_name(CLUSTER.ordinal)} does not own this key "
                        f"({CLUSTER.pod_name(owner)} does): the pods' POD_NAME, REPLICAS or PEER_* settings disagree"
                    },
                )
        if owner == CLUSTER.ordinal:
            return on_owner(key, digest)
        self.forward(owner, key, body)

    def forward(self, owner, key, body):
        path = "/kv/" + quote(key, safe=KEY_PUNCTUATION)
        try:
            status, response, data = peer_request(owner, self.command, path, body=body)
        except PeerUnavailable as err:
            log.warning("%s %s: %s", self.command, path, err)
            return self.reply_json(
                503,
                {
                    "error": f"this key belongs to {CLUSTER.pod_name(owner)}, which is unavailable; retry",
                    "detail": str(err),
                },
                headers={"Retry-After": "1", OWNER_HEADER: CLUSTER.pod_name(owner)},
            )
        relayed = {name: response.getheader(name) for name in (OWNER_HEADER, "Retry-After") if response.getheader(name)}
        self.reply(status, data, response.getheader("Content-Type") or "application/octet-stream", headers=relayed)

    def owner_put(self, key, digest, data):
        with key_lock(digest):
            write_atomically(blob_path(digest), data)
        self.reply_json(201, {"stored": key}, headers={OWNER_HEADER: CLUSTER.pod_name(CLUSTER.ordinal)})

    def owner_get(self, key, digest):
        me = {OWNER_HEADER: CLUSTER.pod_name(CLUSTER.ordinal)}
        data = read_blob(digest)
        if data is None and not PLACEMENT.settled:
            data, unreachable = self.adopt(digest)
            if data is None and unreachable:
                return self.reply_json(
                    503,
                    {
                        "error": f"not found on its owner, and {', '.join(unreachable)} (which may still hold it "
                        "after a replica change) could not be asked; retry"
                    },
                    headers={"Retry-After": "2", **me},
                )
        if data is None:
            return self.reply_json(404, {"error": "no such key"}, headers=me)
        self.reply(200, data, "application/octet-stream", headers=me)

    def adopt(self, digest):
        """A miss before this pod settled: fetch the key from the pod that still has it, and keep it here."""
        with key_lock(digest):
            data = read_blob(digest)
            if data is not None:
                return data, []
            others = PLACEMENT.others()
            answers = in_parallel([lambda o=o: peer_request(o, "GET", f"/_peer/blob/{digest}") for o in others])
            unreachable = [CLUSTER.pod_name(o) for o, a in zip(others, answers) if isinstance(a, Exception)]
            holders = [(o, a) for o, a in zip(others, answers) if not isinstance(a, Exception) and a[0] == 200]
            if not holders:
                return None, unreachable
            ordinal, (_, response, data) = holders[0]
            if response.getheader(REPLICAS_HEADER) not in (None, str(CLUSTER.replicas)):
                return data, []  # that pod runs another layout: answer, but leave the key where it is
            write_atomically(blob_path(digest), data)
        for ordinal, _ in holders:
            try:
                peer_request(ordinal, "DELETE", f"/_peer/blob/{digest}")
            except PeerUnavailable:
                pass  # that copy is misplaced there and will be handed back, where the owner keeps its own
        return data, []

    def owner_delete(self, key, digest):
        me = {OWNER_HEADER: CLUSTER.pod_name(CLUSTER.ordinal)}
        with key_lock(digest):
            deleted_elsewhere, unreachable = False, []
            if not PLACEMENT.settled:
                # Before settling, older copies may sit on other pods: remove them first, or they would come back.
                others = PLACEMENT.others()
                answers = in_parallel([lambda o=o: peer_request(o, "DELETE", f"/_peer/blob/{digest}") for o in others])
                unreachable = [CLUSTER.pod_name(o) for o, a in zip(others, answers) if isinstance(a, Exception)]
                deleted_elsewhere = any(not isinstance(a, Exception) and a[0] == 200 for a in answers)
            deleted = delete_blob(digest) or deleted_elsewhere
        if unreachable:
            return self.reply_json(
                503,
                {"error": f"{', '.join(unreachable)} could not be asked to delete an older copy; retry"},
                headers={"Retry-After": "2", **me},
            )
        if not deleted:
            return self.reply_json(404, {"error": "no such key"}, headers=me)
        self.reply_json(200, {"deleted": key}, headers=me)

    def receive_handoff(self, digest, data):
        """Another pod hands over a key this pod owns. A copy already here is newer: keep it."""
        replicas = self.headers.get(REPLICAS_HEADER, "")
        sender = self.headers.get(FROM_HEADER, "")
        if replicas != str(CLUSTER.replicas) or not sender.isdigit():
            PLACEMENT.saw_replica_count(whole_or_none(replicas), whole_or_none(sender))
            return self.reply_json(
                503, {"error": "replica counts differ; retry after the rollout"}, headers={"Retry-After": "2"}
            )
        if CLUSTER.owner_of(digest) != CLUSTER.ordinal:
            return self.reply_json(421, {"error": "not the owner of this key"})
        with key_lock(digest):
            if read_blob(digest) is not None:
                return self.reply_json(200, {"kept": "the owner's copy"})
            # The sender's copy may have been deleted since it read it (a DELETE on this owner):
            # store it only if the sender still holds it, or a deleted key would come back.
            try:
                status, _, _ = peer_request(int(sender), "GET", f"/_peer/blob/{digest}")
            except PeerUnavailable:
                return self.reply_json(503, {"error": "could not confirm the copy with the sender"})
            if status != 200:
                return self.reply_json(410, {"error": "the sender no longer holds this key"})
            write_atomically(blob_path(digest), data)
        self.reply_json(201, {"stored": digest})


class Server(ThreadingHTTPServer):
    """Counts the requests in flight, so a shutdown can wait for them."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, *args, **kwargs):
        self.in_flight = 0
        self.idle = threading.Condition()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        with self.idle:
            self.in_flight += 1
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.finished_one()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.finished_one()

    def finished_one(self):
        with self.idle:
            self.in_flight -= 1
            self.idle.notify_all()

    def wait_idle(self, seconds):
        with self.idle:
            return self.idle.wait_for(lambda: self.in_flight == 0, timeout=seconds)

    def handle_error(self, request, client_address):
        log.exception("error while serving %s", client_address)


def prestop():
    # Readiness goes false first, then the pause lets the Services and the Ingress stop
    # routing here; Kubernetes sends SIGTERM when this returns.
    with open(DRAINING_MARKER, "w"):
        pass
    time.sleep(PRESTOP_SECONDS)


def print_status():
    """Every pod's view, for a person changing the replica count: exit 0 once all agree and settled."""
    ordinals = set(range(CLUSTER.replicas))
    try:
        with open(LAYOUT_FILE, encoding="utf-8") as f:
            ordinals |= set(range(whole(json.load(f).get("consult"))))
    except (OSError, ValueError, AttributeError):
        pass
    probe = max(ordinals) + 1
    while probe < 64 and CLUSTER.exists(probe):
        ordinals.add(probe)
        probe += 1
    done = True
    for ordinal in sorted(ordinals):
        try:
            status, _, body = peer_request(ordinal, "GET", "/_peer/status")
            state = json.loads(body) if status == 200 else {}
        except (PeerUnavailable, ValueError) as err:
            state = {"error": str(err)}
        ok = state.get("replicas") == CLUSTER.replicas and state.get("misplaced") == 0 and (
            state.get("settled") is True or ordinal >= CLUSTER.replicas
        )
        done = done and ok
        print(f"{CLUSTER.pod_name(ordinal)}: {'ok' if ok else 'pending'} {json.dumps(state)}")
    print("settled: every key is on its owner" if done else "not settled: keys still moving, or a pod did not answer")
    return 0 if done else 1


def main(argv):
    global CLUSTER, PLACEMENT
    command = argv[1:]
    if command == ["prestop"]:
        return prestop()
    if command not in ([], ["status"]):
        sys.exit(f"usage: {argv[0]} [prestop | status]")
    try:
        CLUSTER = Cluster(os.environ)
    except ConfigError as err:
        log.error("configuration error: %s", err)
        sys.exit(2)
    if command == ["status"]:
        sys.exit(print_status())
    os.makedirs(KV_DIR, exist_ok=True)
    remove_stale_temp_files()
    if os.path.exists(DRAINING_MARKER):
        os.unlink(DRAINING_MARKER)
    PLACEMENT = Placement()
    server = Server(("0.0.0.0", PORT), Handler)

    def stop(signum, _frame):
        if not STOPPING.is_set():
            log.info("%s: not ready, no new connections, finishing requests in flight", signal.Signals(signum).name)
            STOPPING.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    owns = CLUSTER.ordinal < CLUSTER.replicas
    role = "owns keys" if owns else "owns no keys (beyond REPLICAS): forwards, hands its keys over"
    log.info(
        "%s (ordinal %d of %d, %s) serving on port %d, data in %s, env %s; %s, %d key(s) to hand over",
        CLUSTER.pod_name(CLUSTER.ordinal), CLUSTER.ordinal, CLUSTER.replicas, role, PORT, DATA_DIR, APP_ENV,
        "settled" if PLACEMENT.settled else "not settled", len(PLACEMENT.misplaced),
    )
    if not PLACEMENT.settled:
        threading.Thread(target=PLACEMENT.settle_loop, daemon=True).start()
    if PLACEMENT.misplaced:
        threading.Thread(target=PLACEMENT.handoff_loop, daemon=True).start()
    server.serve_forever(poll_interval=0.1)
    server.socket.close()  # connections still queued are refused, not left hanging
    if server.wait_idle(SHUTDOWN_TIMEOUT_SECONDS):
        log.info("stopped: every request in flight finished")
    else:
        log.warning("stopped with %d request(s) unfinished after %ss", server.in_flight, SHUTDOWN_TIMEOUT_SECONDS)


if __name__ == "__main__":
    main(sys.argv)
