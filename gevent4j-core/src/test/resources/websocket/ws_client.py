"""Interop client: Debian's python3-websockets against a gevent4j WebSocket echo server.

Usage: python3 ws_client.py PORT. Prints one line per check; exits 1 on the first failure.
The server echoes every message and allows messages up to 65536 bytes.
"""
import asyncio
import os
import sys

import websockets
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

URI = "ws://127.0.0.1:%s/ws" % sys.argv[1]


def check(cond, what):
    if not cond:
        print("FAIL " + what, flush=True)
        sys.exit(1)
    print("ok " + what, flush=True)


async def expect_close(ws, code, what):
    try:
        await asyncio.wait_for(ws.recv(), 10)
        check(False, what + ": the server closed")
    except ConnectionClosed:
        pass
    check(ws.close_code == code, "%s: close code %s (expected %s)" % (what, ws.close_code, code))


async def main():
    async with websockets.connect(URI, max_size=None) as ws:
        check(any(e.name == "permessage-deflate" for e in ws.extensions), "permessage-deflate negotiated")
        await ws.send("hello")
        check(await ws.recv() == "hello", "text echo")
        data = bytes(range(256)) * 200
        await ws.send(data)
        check(await ws.recv() == data, "compressed binary echo (%d bytes)" % len(data))
        await ws.send(["frag-", "ment-", "ed \u00e9"])
        check(await ws.recv() == "frag-ment-ed \u00e9", "fragmented and compressed text")
        rnd = os.urandom(3000)
        await ws.send([rnd[:1000], rnd[1000:]])
        check(await ws.recv() == rnd, "fragmented binary")
        pong = await ws.ping(b"ping?")
        await asyncio.wait_for(pong, 10)
        check(True, "ping answered")
        await ws.close(4123, "bye")
        check(ws.close_code == 4123, "close handshake echoes 4123")

    async with websockets.connect(URI, compression=None) as ws:
        check(not ws.extensions, "no compression when not offered")
        await ws.send("plain")
        check(await ws.recv() == "plain", "uncompressed echo")

    async with websockets.connect(URI) as ws:
        await ws.write_frame(True, 0x1, b"\xff\xfeinvalid")
        await expect_close(ws, 1007, "invalid UTF-8 text")

    async with websockets.connect(URI) as ws:
        await ws.send("x" * 70000)  # compresses to a few hundred bytes: the limit is on the inflated size
        await expect_close(ws, 1009, "compressed message over the limit")

    async with websockets.connect(URI, compression=None) as ws:
        await ws.send(os.urandom(70000))
        await expect_close(ws, 1009, "message over the limit")

    async with websockets.connect(URI, compression=None, max_size=None) as ws:
        ws.transport.write(b"\x81\x02hi")  # a client frame without a mask
        await expect_close(ws, 1002, "unmasked client frame")

    async with websockets.connect(URI, compression=None) as ws:
        ws.transport.write(b"\x83\x80\x01\x02\x03\x04")  # reserved opcode 3
        await expect_close(ws, 1002, "reserved opcode")

    async with websockets.connect(URI, compression=None) as ws:
        await ws.write_frame(False, 0x1, b"first ")
        await ws.write_frame(False, 0x1, b"second")  # a new message inside a fragmented one
        await expect_close(ws, 1002, "text frame inside a fragmented message")


asyncio.run(main())
print("done", flush=True)
