"""Floods a tunnel WebSocket server on 127.0.0.1 the way a hostile client would.

Usage: flood.py MODE PORT, where MODE is "flood" (an unmasked frame, which the server must fail,
then 64 MiB) or "pings" (200,000 pings from a socket that never reads). tst_websocket runs it in
a separate process, so that the attacker's buffers do not count towards the server's memory.
"""
import socket
import sys

mode, port = sys.argv[1], int(sys.argv[2])
connection = socket.socket()
connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
connection.settimeout(20)
connection.connect(("127.0.0.1", port))
connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   b"Sec-WebSocket-Version: 13\r\n\r\n")
try:
    if mode == "flood":
        connection.sendall(b"\x82\x01x")
        chunk = b"\0" * (1 << 20)
        for _ in range(64):
            connection.sendall(chunk)
    else:
        ping = b"\x89\xfd\0\0\0\0" + b"P" * 125
        batch = ping * 1000
        for _ in range(200):
            connection.sendall(batch)
except OSError:
    pass  # the server cut the connection, which is a correct outcome
