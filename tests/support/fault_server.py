#!/usr/bin/python3
"""Fault-injecting HTTP/1.1 server for MAria2 integration tests (Python standard library only).

    fault_server.py --port PORT --root DIR [--log FILE] [--host 127.0.0.1]

Serves the files below --root with GET and HEAD: Content-Length, Accept-Ranges: bytes, one byte
range per request (bytes=a-b, bytes=a-, bytes=-n; 206 + Content-Range, 416 when unsatisfiable,
several ranges or a malformed header are ignored: 200), a strong ETag "SIZEHEX-MTIMEHEX",
Last-Modified, If-Range (ETag or HTTP date; a mismatch gives 200 and the full body) and HTTP/1.1
keep-alive. No other conditional headers are honoured (never 304).

The first path segment picks a fault, the rest is the file name (NAME may contain slashes; a path
whose first segment is no fault name is a plain file). Every fault is deterministic. "Once"
counters are kept per (fault, NAME), count only GETs that get a body (200/206), and are cleared by
GET /_reset; HEAD requests are always served normally except where said otherwise.

  /reset-once/NAME          first GET: headers + 40 % of the body, then a TCP reset (SO_LINGER 0)
  /reset-every/NAME?after=B every GET whose body is longer than B (default 262144) is reset after
                            B body bytes; a shorter body completes, so ranges make progress
  /short-once/NAME          first GET: full Content-Length announced, half the body, clean close
  /stall-once/NAME?after=B&hold=S
                            first GET: B body bytes (default 65536; at most body length - 1), then
                            silence until the client closes or S seconds pass (default 120), then
                            a clean close
  /retry-after/NAME?count=N&seconds=S
                            the first N requests (GET or HEAD, default 1) get 503 + Retry-After: S
                            (default 1) and a small HTML body
  /ignore-range/NAME        always 200 + full body, no Accept-Ranges
  /wrong-range/NAME         a ranged request gets a 206 whose Content-Range and body start 1000
                            bytes after the asked start (1000 before when that would pass the end);
                            same length unless clipped at the end. Unranged requests are normal
  /changing/NAME            NAME as is until the first GET has sent its last byte or was cut; from
                            then on every response serves the "changed" version: each byte XOR 0x5A
                            followed by 4096 bytes (i * 31 + 7) & 0xff, with mtime + 3600 s, so a
                            new size, ETag and Last-Modified
  /login-page/NAME          always 200 text/html with a short login page (whatever NAME is)
  /slow/NAME?rate=R         paced at R bytes/s per response (default 262144), ranges honoured
  /degrade-once/NAME?rate=R&after=B&slow=S
                            every GET paced at R bytes/s (default 262144), ranges honoured, like
                            /slow/; the first GET drops to S bytes/s (default 16384) after B body
                            bytes (default 1048576), so a reconnect gets R again (a bad path, a
                            stuck CDN node)
  /slow-region/NAME?start=A&end=B&rate=R&fast=F
                            the bytes of NAME at offsets in [A, B) are paced at R bytes/s per
                            response (defaults: the second quarter of the file, 262144), all
                            others at F bytes/s (default 0: as fast as possible); ranges honoured,
                            so a response that crosses A or B changes pace there (a busy mirror
                            whose uncached part of a file crawls while the rest flies)
  /capped/NAME?rate=R&total=T&max=M
                            every response paced at R bytes/s (default 262144; 0: unpaced),
                            and all /capped/ responses at once together at T bytes/s (default
                            0: no total cap), ranges honoured; a GET arriving while M others
                            are sending (default 0: no limit) gets 503 + Retry-After: 1 (a
                            server or link that caps each connection, the total, or how many
                            connections it serves)
  /redirect-host/NAME?to=HOST&status=S
                            S (default 302) with Location http://HOST:PORT/NAME: this server
                            again under another host name (default "localhost"), so a client
                            sees a redirect to another host
  /huge-length/NAME         announces 2^63-1 bytes (Accept-Ranges; a Range gets its 206 headers),
                            sends 4096 zero bytes of it and closes (no file is read)
  /refuse-range/NAME?from=B  a ranged GET starting at byte B or later (default 1) gets 416 with
                            Content-Range: bytes */SIZE although the range lies inside SIZE (a
                            server whose ranges are broken); other requests are normal
  /_reset                   clears every counter, 200 "ok"

One JSON line per request is appended to --log after the response is finished (after the reset,
short close or stall):
  {"method","path","query","range","if_range","host","headers","status","sent","conn","outcome"}
path is the raw request path without the query; range and if_range are the raw request headers
("" when absent); sent counts body bytes handed to the kernel (for a reset: those the peer had
acknowledged before the reset, waited for up to 2 s); conn numbers the TCP connections from 1;
outcome is "complete", "reset", "short", "stall" or "client-closed"; host is the Host header and
headers every request header (names in lower case; the last of repeated ones).

Once listening, prints "fault_server listening on HOST:PORT pid=PID" on stdout.
"""

import argparse
import email.utils
import fcntl
import io
import json
import os
import select
import socket
import socketserver
import struct
import sys
import termios
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024
FAULTS = frozenset(
    {
        "reset-once",
        "reset-every",
        "short-once",
        "stall-once",
        "retry-after",
        "ignore-range",
        "refuse-range",
        "wrong-range",
        "changing",
        "login-page",
        "slow",
        "degrade-once",
        "slow-region",
        "capped",
        "redirect-host",
        "huge-length",
    }
)
HUGE_LENGTH = 2**63 - 1  # INT64_MAX
HUGE_SENT = 4096
XOR_TABLE = bytes(b ^ 0x5A for b in range(256))
CHANGED_EXTRA = bytes((i * 31 + 7) & 0xFF for i in range(4096))
CHANGED_MTIME_SHIFT = 3600
WRONG_RANGE_SHIFT = 1000
RESET_DRAIN_SECONDS = 2.0

LOGIN_PAGE = b"""<!DOCTYPE html>
<html><head><title>Sign in</title></head>
<body><h1>Sign in to download</h1>
<p>This download link has expired.</p>
<form method="post" action="/login"><input name="user"><input name="password" type="password">
<button>Sign in</button></form></body></html>
"""
RETRY_PAGE = b"""<!DOCTYPE html>
<html><head><title>503 Service Unavailable</title></head>
<body><h1>Service Unavailable</h1><p>Try again later.</p></body></html>
"""


class BadRequest(Exception):
    pass


class Content:
    """A file as served: its original bytes, or the deterministic "changed" version."""

    def __init__(self, path, changed):
        st = os.stat(path)
        self.path = path
        self.changed = changed
        self.file_size = st.st_size
        mtime = int(st.st_mtime)
        if changed:
            self.size = st.st_size + len(CHANGED_EXTRA)
            self.mtime = mtime + CHANGED_MTIME_SHIFT
        else:
            self.size = st.st_size
            self.mtime = mtime
        self.etag = '"%x-%x"' % (self.size, self.mtime)
        self.last_modified = email.utils.formatdate(self.mtime, usegmt=True)

    def chunks(self, start, length, chunk):
        """Yields the bytes [start, start + length) in pieces of at most chunk bytes."""
        pos = start
        end = start + length
        with open(self.path, "rb") as f:
            if pos < self.file_size:
                f.seek(pos)
            while pos < end:
                n = min(chunk, end - pos)
                if pos < self.file_size:
                    data = f.read(min(n, self.file_size - pos))
                    if not data:
                        raise OSError("file shrank while serving: " + self.path)
                    if self.changed:
                        data = data.translate(XOR_TABLE)
                else:
                    offset = pos - self.file_size
                    data = CHANGED_EXTRA[offset : offset + n]
                pos += len(data)
                yield data

    def if_range_matches(self, value):
        value = value.strip()
        if value.startswith('"') or value.startswith("W/"):
            return value == self.etag  # strong comparison: a weak tag never matches
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return False
        if when is None:
            return False
        return int(when.timestamp()) == self.mtime


def parse_range(header, size):
    """(start, end) inclusive, "unsatisfiable", or None to ignore the header (serve 200)."""
    header = header.strip()
    if not header.lower().startswith("bytes="):
        return None
    spec = header[6:].strip()
    if "," in spec or "-" not in spec:
        return None
    first, last = (s.strip() for s in spec.split("-", 1))
    try:
        if first == "":
            if not last.isdigit():
                return None
            n = int(last)
            if n == 0 or size == 0:
                return "unsatisfiable"
            return (max(0, size - n), size - 1)
        if not first.isdigit() or (last != "" and not last.isdigit()):
            return None
        start = int(first)
        end = int(last) if last != "" else size - 1
    except ValueError:
        return None
    if last != "" and end < start:
        return None  # syntactically invalid: ignored
    if start >= size:
        return "unsatisfiable"
    return (start, min(end, size - 1))


class TotalPacer:
    """Paces bytes sent by many responses at once to one shared rate (a capped link)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.free_at = 0.0

    def due(self, n, rate):
        """Reserves n bytes at rate; returns when they have been paid for (monotonic)."""
        with self.lock:
            now = time.monotonic()
            self.free_at = max(now, self.free_at) + n / rate
            return self.free_at


class State:
    def __init__(self, root, log_path):
        self.root = os.path.realpath(root)
        self.lock = threading.Lock()
        self.counters = {}
        self.connections = 0
        self.total_pacer = TotalPacer()
        self.sending = 0  # /capped/ responses sending now
        self.log_lock = threading.Lock()
        self.log = open(log_path, "a", encoding="utf-8") if log_path else None

    def bump(self, fault, name):
        """Increments the counter and returns its previous value."""
        with self.lock:
            value = self.counters.get((fault, name), 0)
            self.counters[(fault, name)] = value + 1
            return value

    def get(self, fault, name):
        with self.lock:
            return self.counters.get((fault, name), 0)

    def reset(self):
        with self.lock:
            self.counters.clear()

    def start_sending(self, limit):
        """Counts one more /capped/ response unless `limit` (> 0) are sending already."""
        with self.lock:
            if limit > 0 and self.sending >= limit:
                return False
            self.sending += 1
            return True

    def stop_sending(self):
        with self.lock:
            self.sending -= 1

    def next_connection(self):
        with self.lock:
            self.connections += 1
            return self.connections

    def write_log(self, record):
        if self.log is None:
            return
        line = json.dumps(record, sort_keys=True) + "\n"
        with self.log_lock:
            self.log.write(line)
            self.log.flush()


def int_param(params, name, default, minimum):
    values = params.get(name)
    if not values:
        return default
    try:
        value = int(values[-1])
    except ValueError:
        raise BadRequest("%s must be an integer" % name)
    if value < minimum:
        raise BadRequest("%s must be >= %d" % (name, minimum))
    return value


def region_pieces(params, size, start, length):
    """[(length, rate or None)] covering [start, start + length): the slow region's bytes at
    its rate, the rest at the fast rate (None: unpaced)."""
    begin = int_param(params, "start", size // 4, 0)
    end = int_param(params, "end", size // 2, begin)
    slow = int_param(params, "rate", 256 * 1024, 1)
    fast = int_param(params, "fast", 0, 0) or None
    stop = start + length
    cuts = sorted({start, stop} | {x for x in (begin, end) if start < x < stop})
    return [(b - a, slow if begin <= a < end else fast) for a, b in zip(cuts, cuts[1:])]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "maria2-fault-server/1"
    sys_version = ""
    timeout = 300  # idle keep-alive connections and blocked sends give up eventually

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        self.conn_id = self.server.state.next_connection()

    def log_message(self, format, *args):
        pass  # requests are logged as JSON lines; errors go through log_error

    def log_error(self, format, *args):
        sys.stderr.write("fault_server: %s\n" % (format % args))
        sys.stderr.flush()

    def do_GET(self):
        self.dispatch(head=False)

    def do_HEAD(self):
        self.dispatch(head=True)

    # ---- request handling ------------------------------------------------------------------

    def dispatch(self, head):
        state = self.server.state
        split = urllib.parse.urlsplit(self.path)
        self.record = {
            "method": self.command,
            "path": split.path,
            "query": split.query,
            "range": self.headers.get("Range", ""),
            "if_range": self.headers.get("If-Range", ""),
            "host": self.headers.get("Host", ""),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "status": 0,
            "sent": 0,
            "conn": self.conn_id,
            "outcome": "complete",
        }
        self.on_finish = None
        self.on_finish_capped = None
        try:
            try:
                self.route(split, head)
            except BadRequest as e:
                self.send_simple(400, ("%s\n" % e).encode(), "text/plain", head)
        except (ConnectionError, TimeoutError, OSError) as e:
            self.record["outcome"] = "client-closed"
            self.record["error"] = str(e)
            self.close_connection = True
        finally:
            if self.on_finish is not None:
                self.on_finish()
            if self.on_finish_capped is not None:
                self.on_finish_capped()
            state.write_log(self.record)

    def route(self, split, head):
        state = self.server.state
        path = split.path
        if path == "/_reset":
            state.reset()
            self.send_simple(200, b"ok\n", "text/plain", head)
            return
        segments = path.lstrip("/").split("/", 1)
        if len(segments) == 2 and segments[0] in FAULTS:
            fault, name = segments
        else:
            fault, name = None, path.lstrip("/")
        name = urllib.parse.unquote(name)
        params = urllib.parse.parse_qs(split.query)

        if fault == "retry-after":
            count = int_param(params, "count", 1, 0)
            seconds = int_param(params, "seconds", 1, 0)
            if state.bump(fault, name) < count:
                self.send_simple(
                    503, RETRY_PAGE, "text/html; charset=utf-8", head, [("Retry-After", str(seconds))]
                )
                return
        capped = None
        if fault == "capped" and not head:
            capped = (
                int_param(params, "rate", 256 * 1024, 0) or None,
                int_param(params, "total", 0, 0) or None,
            )
            if not state.start_sending(int_param(params, "max", 0, 0)):
                self.send_simple(
                    503, RETRY_PAGE, "text/html; charset=utf-8", head, [("Retry-After", "1")]
                )
                return
            self.on_finish_capped = state.stop_sending
        if fault == "redirect-host":
            target = params.get("to", ["localhost"])[-1]
            status = int_param(params, "status", 302, 300)
            location = "http://%s:%d/%s" % (target, self.server.server_address[1], urllib.parse.quote(name))
            self.send_simple(status, b"moved\n", "text/plain", head, [("Location", location)])
            return
        if fault == "login-page":
            self.send_simple(200, LOGIN_PAGE, "text/html; charset=utf-8", head)
            return
        if fault == "huge-length":
            self.send_huge(head)
            return

        file_path = self.resolve(name)
        if file_path is None:
            self.send_simple(404, b"not found\n", "text/plain", head)
            return
        changed = fault == "changing" and state.get(fault, name) > 0
        content = Content(file_path, changed)

        # Which bytes to send.
        selection = None
        range_header = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if fault != "ignore-range" and range_header is not None:
            if if_range is None or content.if_range_matches(if_range):
                selection = parse_range(range_header, content.size)
        if (
            fault == "refuse-range"
            and isinstance(selection, tuple)
            and selection[0] >= int_param(params, "from", 1, 0)
        ):
            selection = "unsatisfiable"
        if selection == "unsatisfiable":
            self.send_simple(
                416,
                b"range not satisfiable\n",
                "text/plain",
                head,
                [("Accept-Ranges", "bytes"), ("Content-Range", "bytes */%d" % content.size)],
            )
            return
        if selection is None:
            status, start, length = 200, 0, content.size
        else:
            status, start, length = 206, selection[0], selection[1] - selection[0] + 1
            if fault == "wrong-range":
                shifted = start + WRONG_RANGE_SHIFT
                if shifted >= content.size:
                    shifted = max(0, start - WRONG_RANGE_SHIFT)
                start = shifted
                length = min(length, content.size - start)

        # What goes wrong with this response.
        limit, action, rate, degrade, pieces = None, None, None, None, None
        if not head:
            if fault == "reset-once" and state.bump(fault, name) == 0:
                limit, action = length * 2 // 5, "reset"
            elif fault == "reset-every":
                after = int_param(params, "after", 256 * 1024, 0)
                if length > after:
                    limit, action = after, "reset"
            elif fault == "short-once" and state.bump(fault, name) == 0:
                limit, action = length // 2, "short"
            elif fault == "stall-once":
                after = int_param(params, "after", 64 * 1024, 0)
                hold = int_param(params, "hold", 120, 0)
                if length > 0 and state.bump(fault, name) == 0:
                    limit, action = min(after, length - 1), "stall"
            elif fault == "slow":
                rate = int_param(params, "rate", 256 * 1024, 1)
            elif fault == "degrade-once":
                rate = int_param(params, "rate", 256 * 1024, 1)
                after = int_param(params, "after", 1024 * 1024, 0)
                slow = int_param(params, "slow", 16 * 1024, 1)
                if state.bump(fault, name) == 0:
                    degrade = (after, slow)
            elif fault == "slow-region":
                pieces = region_pieces(params, content.size, start, length)
            elif fault == "changing" and not changed:
                # Flip once this first GET has sent its last byte or was cut; later responses
                # (including ones racing with the end of this one) get the changed version.
                def flip():
                    if state.get(fault, name) == 0:
                        state.bump(fault, name)

                self.on_finish = flip

        self.record["status"] = status
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        if fault != "ignore-range":
            self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", content.etag)
        self.send_header("Last-Modified", content.last_modified)
        if status == 206:
            end = start + length - 1
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, content.size))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if head:
            return

        to_send = length if limit is None else min(limit, length)
        if capped is not None:
            self.send_body(content, start, to_send, length, capped[0], total=capped[1])
        elif pieces is not None:
            done = 0
            for piece_length, piece_rate in pieces:
                self.send_body(content, start + done, piece_length, length, piece_rate, done)
                done += piece_length
        elif degrade is None:
            self.send_body(content, start, to_send, length, rate)
        else:
            after, slow = degrade
            first = min(after, to_send)
            self.send_body(content, start, first, length, rate)
            self.send_body(content, start + first, to_send - first, length, slow, first)
        if action == "reset":
            self.reset_connection()
        elif action == "short":
            self.record["outcome"] = "short"
            self.close_connection = True  # the server shuts down and closes: a clean FIN
        elif action == "stall":
            self.stall(hold)

    def resolve(self, name):
        root = self.server.state.root
        candidate = os.path.realpath(os.path.join(root, name))
        if not candidate.startswith(root + os.sep) or not os.path.isfile(candidate):
            return None
        return candidate

    # ---- sending ---------------------------------------------------------------------------

    def send_huge(self, head):
        """Announces HUGE_LENGTH bytes (ranges honoured in the headers), sends HUGE_SENT zero
        bytes of the asked range and closes: a size no disk holds, near INT64_MAX."""
        selection = parse_range(self.headers.get("Range") or "", HUGE_LENGTH)
        if isinstance(selection, tuple):
            status, start, end = 206, selection[0], selection[1]
        else:
            status, start, end = 200, 0, HUGE_LENGTH - 1
        self.record["status"] = status
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, HUGE_LENGTH))
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        if not head:
            self.wfile.write(bytes(HUGE_SENT))
            self.record["sent"] = HUGE_SENT

    def send_simple(self, status, body, content_type, head, extra_headers=()):
        self.record["status"] = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in extra_headers:
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(body)
            self.record["sent"] = len(body)

    def send_body(self, content, start, to_send, length, rate, already=0, total=None):
        """Sends to_send bytes from start, paced at rate bytes/s (None: at once). already: body
        bytes this response sent before (a second, differently paced part of the body). total:
        the shared rate of every response sending with one (the state's TotalPacer)."""
        chunk = CHUNK if rate is None else max(1024, min(CHUNK, rate // 10))
        if total is not None:
            chunk = max(1024, min(chunk, total // 50))
        began = time.monotonic()
        sent = 0
        for data in content.chunks(start, to_send, chunk):
            if already + sent + len(data) >= length and self.on_finish is not None:
                self.on_finish()  # the last byte is about to go out
                self.on_finish = None
            self.wfile.write(data)  # sendall
            sent += len(data)
            self.record["sent"] = already + sent
            due = began + sent / rate if rate is not None else 0.0
            if total is not None:
                due = max(due, self.server.state.total_pacer.due(len(data), total))
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def wait_drained(self, timeout):
        """Waits until the peer acknowledged everything sent (a reset discards unsent data)."""
        deadline = time.monotonic() + timeout
        fd = self.connection.fileno()
        pending = 0
        while time.monotonic() < deadline:
            try:
                pending = struct.unpack("i", fcntl.ioctl(fd, termios.TIOCOUTQ, b"\0\0\0\0"))[0]
            except OSError:
                return 0
            if pending <= 0:
                return 0
            time.sleep(0.005)
        return pending

    def reset_connection(self):
        unsent = self.wait_drained(RESET_DRAIN_SECONDS)
        self.record["sent"] = max(0, self.record["sent"] - unsent)
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # The makefile() objects hold references: the descriptor (and so the RST) goes only when
        # they are closed too. Dummies keep the request loop and finish() happy afterwards.
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except OSError:
                pass
        sock.close()
        self.rfile = io.BytesIO()
        self.wfile = io.BytesIO()
        self.close_connection = True
        self.record["outcome"] = "reset"

    def stall(self, hold):
        self.record["outcome"] = "stall"
        self.close_connection = True
        sock = self.connection
        deadline = time.monotonic() + hold
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            readable, _, _ = select.select([sock], [], [], min(remaining, 1.0))
            if readable:
                try:
                    data = sock.recv(CHUNK)
                except OSError:
                    return
                if not data:
                    return  # the client gave up and closed


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def server_bind(self):
        # HTTPServer.server_bind() would resolve the host name (getfqdn): not needed, maybe slow.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description="Fault-injecting HTTP/1.1 test server")
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--root", required=True, help="folder of the files to serve")
    parser.add_argument("--log", help="append one JSON line per request to this file")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    if not os.path.isdir(args.root):
        print("fault_server: --root %s is not a folder" % args.root, file=sys.stderr, flush=True)
        return 2
    state = State(args.root, args.log)
    try:
        server = Server((args.host, args.port), Handler)
    except OSError as e:
        print(
            "fault_server: cannot bind %s:%d: %s" % (args.host, args.port, e),
            file=sys.stderr,
            flush=True,
        )
        return 3
    server.state = state
    host, port = server.server_address[:2]
    print("fault_server listening on %s:%d pid=%d" % (host, port, os.getpid()), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
