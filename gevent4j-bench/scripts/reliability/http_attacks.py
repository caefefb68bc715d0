#!/usr/bin/env python3
"""Bounded HTTP attacks on a server at 127.0.0.1:PORT, each with a probe: a plain GET on a new
connection, timed while the attack runs. Loopback only; every attack has a fixed connection
count and stops by itself (a hard limit of LIMIT seconds per attack).

usage: http_attacks.py PORT ATTACK [N]
attacks:
  idle-fill    N connections that never send a byte (N = the server's cap)
  slowloris    N connections that drip one header line per second
  slow-body    N connections that send a 1 MB Content-Length and then 1 byte every 2 s
  huge-body    N (3) connections that declare 200 MiB and stream it
  slow-reader  N connections that GET /big (8 MiB) and never read
Prints one line per attack: probe latency, how the attacking connections ended, and when.
"""
import asyncio
import subprocess
import sys
import time

LIMIT = 40.0  # seconds, per attack


async def probe(port):
    t0 = time.monotonic()
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    await w.drain()
    try:
        data = await asyncio.wait_for(r.read(), LIMIT)
    except asyncio.TimeoutError:
        data = b"HTTP/1.1 ---(no answer within the limit)"
    w.close()
    return time.monotonic() - t0, data[9:12].decode()


async def attacker(port, first, drip, period, read_reply=True):
    """Sends `first`, then `drip` every `period` s; returns (outcome, seconds until the end)."""
    t0 = time.monotonic()
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
    except OSError as e:
        return "refused:" + type(e).__name__, 0.0
    try:
        if first:
            w.write(first)
        while time.monotonic() - t0 < LIMIT:
            try:
                data = await asyncio.wait_for(r.read(64) if read_reply else asyncio.sleep(period), period)
            except asyncio.TimeoutError:
                data = None
            if data == b"":
                return "closed", time.monotonic() - t0
            if data:
                return data[9:12].decode(), time.monotonic() - t0
            if drip:
                w.write(drip)
                await w.drain()
        return "still-open", time.monotonic() - t0
    except (ConnectionError, OSError):
        return "reset", time.monotonic() - t0
    finally:
        w.close()


def server_side_established(port):
    """Connections the server (source port PORT) still has ESTABLISHED, from ss(8)."""
    out = subprocess.run(["ss", "-Htn", "state", "established", "( sport = :%d )" % port],
                         capture_output=True, text=True).stdout
    return len([l for l in out.splitlines() if l.strip()])


async def slow_reader(port, hold):
    """GET /big and never read; the connection is held open (from this side) for `hold` s."""
    r, w = await asyncio.open_connection("127.0.0.1", port, limit=1024)
    w.transport.pause_reading()
    w.write(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
    await hold.wait()
    w.transport.abort()


async def huge(port):
    t0 = time.monotonic()
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (200 << 20))
    chunk = b"x" * 65536
    sent = 0
    try:
        try:  # a refusal that comes at once is read before streaming (else the close resets it away)
            data = await asyncio.wait_for(r.read(64), 0.5)
            return (data[9:12].decode() if data else "closed"), time.monotonic() - t0, sent
        except asyncio.TimeoutError:
            pass
        while sent < (200 << 20) and time.monotonic() - t0 < LIMIT:
            w.write(chunk)
            await asyncio.wait_for(w.drain(), 5)
            sent += len(chunk)
            if r.at_eof() or len(r._buffer) > 0:
                break
        data = await asyncio.wait_for(r.read(64), LIMIT)
        return (data[9:12].decode() if data else "closed"), time.monotonic() - t0, sent
    except (ConnectionError, OSError, asyncio.TimeoutError):
        return "reset", time.monotonic() - t0, sent
    finally:
        w.close()


def summary(results):
    kinds = {}
    for outcome, secs in results:
        kinds.setdefault(outcome, []).append(secs)
    return ", ".join("%s x%d (%.1f-%.1f s)" % (k, len(v), min(v), max(v)) for k, v in sorted(kinds.items()))


async def main(port, attack, n):
    if attack == "idle-fill":
        tasks = [asyncio.create_task(attacker(port, b"", None, 1.0)) for _ in range(n)]
    elif attack == "slowloris":
        tasks = [asyncio.create_task(attacker(port, b"GET / HTTP/1.1\r\nHost: x\r\n", b"X-a: b\r\n", 1.0))
                 for _ in range(n)]
    elif attack == "slow-body":
        tasks = [asyncio.create_task(attacker(port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
                                              b"x", 2.0)) for _ in range(n)]
    elif attack == "huge-body":
        tasks = [asyncio.create_task(huge(port)) for _ in range(n)]
    elif attack == "slow-reader":
        hold = asyncio.Event()
        tasks = [asyncio.create_task(slow_reader(port, hold)) for _ in range(n)]
    else:
        sys.exit("unknown attack " + attack)
    await asyncio.sleep(1.0)  # let the attack take hold
    latency, status = await probe(port)
    if attack == "slow-reader":
        t0 = time.monotonic() - 1.0
        held = server_side_established(port)
        while server_side_established(port) > 0 and time.monotonic() - t0 < LIMIT:
            await asyncio.sleep(0.25)
        left = server_side_established(port)
        hold.set()
        await asyncio.gather(*tasks)
        print("%-11s n=%-4d probe %s in %.3f s; server-side connections: %d held after 1 s, %d left after %.1f s" % (
            attack, n, status, latency, held, left, time.monotonic() - t0))
        return
    results = await asyncio.gather(*tasks)
    if attack == "huge-body":
        print("%-11s n=%-4d probe %s in %.3f s; attackers: %s; MiB sent before the answer: %s" % (
            attack, n, status, latency, summary([(o, s) for o, s, _ in results]),
            [round(b / 2**20, 1) for _, _, b in results]))
    else:
        print("%-11s n=%-4d probe %s in %.3f s; attackers: %s" % (attack, n, status, latency, summary(results)))


if __name__ == "__main__":
    port = int(sys.argv[1])
    attack = sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    asyncio.run(main(port, attack, n))
