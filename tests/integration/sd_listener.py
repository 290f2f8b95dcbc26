"""sd_listener.py ADDRESS LOG — plays systemd's side of sd_notify(3) for a test.

Binds an AF_UNIX datagram socket at ADDRESS (a path, or @name for the abstract namespace) and
appends one line per datagram to LOG: the wall-clock time in seconds, a space, then the
datagram with its newlines written as '|'. Runs until killed.
"""
import os
import socket
import sys
import time

address, log = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if address.startswith("@"):
    sock.bind("\0" + address[1:])
else:
    if os.path.exists(address):
        os.unlink(address)
    sock.bind(address)
with open(log, "a", buffering=1) as out:
    while True:
        data = sock.recv(4096)
        text = data.decode("utf-8", "replace").replace("\n", "|")
        out.write("%.3f %s\n" % (time.time(), text))
