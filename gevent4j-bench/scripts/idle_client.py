#!/usr/bin/env python3
"""Holds N idle keep-alive HTTP/1.1 connections to 127.0.0.1:PORT: each sends one GET / and
reads its whole response (Content-Length framing), then stays open and silent. Prints
"held N" when all are open, then waits until its standard input ends and closes them.
Usage: idle_client.py PORT N"""
import socket
import sys

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def one(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(REQUEST)
    data = b""
    while True:
        end = data.find(b"\r\n\r\n")
        if end >= 0:
            length = 0
            for line in data[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(data) >= end + 4 + length:
                return s
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("server closed connection %d early" % len(held))
        data += chunk


port, n = int(sys.argv[1]), int(sys.argv[2])
held = []
for _ in range(n):
    held.append(one(port))
print("held", len(held), flush=True)
sys.stdin.read()
for s in held:
    s.close()
