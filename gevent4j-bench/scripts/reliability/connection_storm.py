#!/usr/bin/env python3
"""Connection storm client (issue 12): WORKERS threads open and close connections as fast as
they can against an HTTP server on 127.0.0.1:PORT for DURATION seconds or TOTAL connections,
whichever comes first. Three kinds of connection, in turn per worker:
  request  - one GET with `Connection: close`, read the whole reply to the server's FIN;
  churn    - connect and close at once, sending nothing;
  extra    - one GET followed at once by bytes the server never reads (a client that pipelines
             or keeps uploading), then read the reply: without a lingering close the server's
             close resets the connection and the reply can be lost.
After STOP_AT seconds it runs STOP_CMD (a graceful stop, e.g. `kill -TERM pid`) and goes on
until DURATION, so connections are opening and closing while the server stops.
Prints counts per phase: "before" (the connection ended before the stop signal), "across" (it
began before the signal and ended after it), "after" (it began after the signal); and per
outcome: answered, refused, reset, failed.
Standard library only; loopback only; every socket has a time-out; bounded in time and count.
Usage: connection_storm.py PORT [WORKERS=50] [DURATION=10] [STOP_AT=5] [TOTAL=200000] [STOP_CMD]
"""
import collections
import errno
import socket
import subprocess
import sys
import threading
import time

PORT = int(sys.argv[1])
WORKERS = int(sys.argv[2]) if len(sys.argv) > 2 else 50
DURATION = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
STOP_AT = float(sys.argv[4]) if len(sys.argv) > 4 else 5.0
TOTAL = int(sys.argv[5]) if len(sys.argv) > 5 else 200000
STOP_CMD = sys.argv[6] if len(sys.argv) > 6 else ""
TIMEOUT = 10.0
REQUEST = b"GET / HTTP/1.1\r\nHost: storm\r\nConnection: close\r\n\r\n"
EXTRA = b"X" * 65536

lock = threading.Lock()
counts = collections.Counter()  # (phase, kind, outcome) -> n
examples = {}
started = 0
stop_sent = threading.Event()
t0 = time.monotonic()


def take_ticket():
    global started
    with lock:
        if started >= TOTAL or time.monotonic() - t0 >= DURATION:
            return False
        started += 1
        return True


def record(phase, kind, outcome, detail=None):
    if phase == "before" and stop_sent.is_set():
        phase = "across"
    with lock:
        counts[(phase, kind, outcome)] += 1
        if detail is not None and (phase, kind, outcome) not in examples:
            examples[(phase, kind, outcome)] = detail


def read_reply(s):
    data = bytearray()
    while True:
        b = s.recv(65536)
        if not b:
            return bytes(data)
        data += b


def one(kind):
    phase = "after" if stop_sent.is_set() else "before"
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    try:
        try:
            s.connect(("127.0.0.1", PORT))
        except ConnectionRefusedError:
            record(phase, kind, "refused")
            return
        if kind == "churn":
            record(phase, kind, "answered")  # nothing to answer: connected and closed
            return
        s.sendall(REQUEST)
        if kind == "extra":
            try:
                s.sendall(EXTRA)
            except (ConnectionResetError, BrokenPipeError):
                pass  # the reply may still be readable; judged below
        reply = read_reply(s)
        head, _, body = reply.partition(b"\r\n\r\n")
        if head.startswith(b"HTTP/1.1 200") and body:
            record(phase, kind, "answered")
        else:
            record(phase, kind, "failed", "reply %r" % reply[:60])
    except ConnectionResetError as e:
        record(phase, kind, "reset", str(e))
    except OSError as e:
        if e.errno == errno.ECONNREFUSED:
            record(phase, kind, "refused")
        else:
            record(phase, kind, "failed", repr(e))
    finally:
        s.close()


def worker(i):
    kinds = ("request", "churn", "extra", "request")
    n = i
    while take_ticket():
        one(kinds[n % len(kinds)])
        n += 1


def stopper():
    time.sleep(STOP_AT)
    stop_sent.set()
    if STOP_CMD:
        subprocess.run(STOP_CMD, shell=True)


threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(WORKERS)]
st = threading.Thread(target=stopper, daemon=True)
st.start()
for t in threads:
    t.start()
for t in threads:
    t.join(DURATION + 2 * TIMEOUT)
elapsed = time.monotonic() - t0
print("%d connections in %.1f s by %d workers, stop signal at %.1f s" % (started, elapsed, WORKERS, STOP_AT))
for phase in ("before", "across", "after"):
    for kind in ("request", "churn", "extra"):
        c = {o: counts[(phase, kind, o)] for o in ("answered", "refused", "reset", "failed")}
        print("  %-6s %-7s answered %6d  refused %6d  reset %4d  failed %4d" % (
            phase, kind, c["answered"], c["refused"], c["reset"], c["failed"]))
for key, detail in sorted(examples.items()):
    print("  e.g. %s %s %s: %s" % (key + (detail,)))
bad = sum(n for (phase, kind, outcome), n in counts.items()
          if phase == "before" and outcome in ("reset", "failed", "refused"))
print("RESULT connections that ended before the stop signal and were not answered: %d" % bad)
