"""Interop server: Debian's python3-websockets serving a gevent4j WebSocket client.

Usage: python3 ws_server.py. Prints "port N", then one line per connection that ended:
"<path> closed <code>". Paths: /echo echoes (compression on, its defaults); /fragments sends one
fragmented text message then echoes; /bad-utf8 sends a text frame that is not UTF-8; /big sends
5000 bytes; /masked sends a masked frame (servers must not). Runs until killed.
"""
import asyncio
import sys

import websockets
from websockets.exceptions import ConnectionClosed


async def handler(ws, path):
    try:
        if path == "/fragments":
            await ws.send(["one ", "two ", "three"])
        elif path == "/bad-utf8":
            await ws.write_frame(True, 0x1, b"\xc3\x28")
        elif path == "/big":
            await ws.send("y" * 5000)
        elif path == "/masked":
            ws.transport.write(b"\x81\x82\x01\x02\x03\x04" + bytes([ord("h") ^ 1, ord("i") ^ 2]))
        async for message in ws:
            await ws.send(message)
    except ConnectionClosed:
        pass
    print("%s closed %s" % (path, ws.close_code), flush=True)


async def main():
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None) as server:
        print("port %d" % server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


asyncio.run(main())
