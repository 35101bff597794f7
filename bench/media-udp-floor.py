#!/usr/bin/env python3
"""The kernel's own cost of a media packet on this machine (issue 7's ceiling for legs per core).

Sends 200,000 datagrams of 172 bytes (RTP header + 20 ms of G.711) over loopback from one socket
on core 1 to a blocking reader on core 0, pausing 0.2 ms every 50 sends so that the reader goes
to sleep and is woken as the benchmark's driver is, and prints the CPU time (user and system,
from os.times) per datagram on each side. Python's own cost is in the user time; the system time
is what any server pays per sendto and per recv. Run it when the machine is otherwise idle:

    python3 bench/media-udp-floor.py
"""
import os
import socket
import time

COUNT = 200_000
reader = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
reader.bind(("127.0.0.1", 0))
reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
pid = os.fork()
if pid == 0:
    os.sched_setaffinity(0, {0})
    reader.settimeout(2)
    received = 0
    try:
        while True:
            reader.recv(2048)
            received += 1
    except OSError:
        pass
    t = os.times()
    print(f"receive: {received} datagrams, user {t.user / received * 1e6:.2f} us + system {t.system / received * 1e6:.2f} us each", flush=True)
    os._exit(0)

os.sched_setaffinity(0, {1})
sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
datagram = b"\x80" + bytes(171)
target = reader.getsockname()
before = os.times()
for i in range(COUNT):
    sender.sendto(datagram, target)
    if i % 50 == 0:
        time.sleep(0.0002)
after = os.times()
print(f"send: {COUNT} datagrams, user {(after.user - before.user) / COUNT * 1e6:.2f} us + system {(after.system - before.system) / COUNT * 1e6:.2f} us each")
os.waitpid(pid, 0)
