"""Listens on a few TCP ports of 127.0.0.1 below 1000 (the ones free; root needed for them) so that
the 1-1000 scans have open ports to find; prints the ports, then waits until killed."""
import signal
import socket
import sys

WANTED = [21, 22, 25, 53, 80, 110, 143, 443, 445, 631, 873, 993, 995]
socks, opened = [], []
for port in WANTED:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        s.listen(64)
    except OSError:
        s.close()
        continue
    socks.append(s)
    opened.append(port)
print(",".join(map(str, opened)), flush=True)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
signal.pause()
