#!/usr/bin/env python3
"""The peer of `DnsBenchmark burst`: gevent's c-ares resolver resolving a burst of unique
names at once, one greenlet each, against the same local DNS server (e.g. dnsmasq with
--address=/test/10.1.2.3 --cache-size=0). Prints one line per burst: answered, lost, time.

    python3 dns_burst_gevent.py --port 5353 --names 2000 --bursts 5
"""
import argparse
import time

import gevent
from gevent.resolver.ares import Resolver


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", default="127.0.0.1")
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--names", type=int, default=2000)
    p.add_argument("--bursts", type=int, default=5)
    p.add_argument("--wait", type=float, default=15.0, help="the most one burst is waited for, in seconds")
    p.add_argument("--tag", default="g", help="prefix of the names (unique per run)")
    a = p.parse_args()
    if a.names < 1 or a.bursts < 1 or a.wait <= 0:
        p.error("--names, --bursts and --wait must be positive")
    r = Resolver(servers=[a.server], udp_port=a.port, tcp_port=a.port)
    r.gethostbyname("warm-up.%s.test" % a.tag)
    worst = 0.0
    for b in range(a.bursts):
        names = ["%s%d-%d.%s.test" % (a.tag, b, i, a.tag) for i in range(a.names)]
        t0 = time.monotonic()
        jobs = [gevent.spawn(r.gethostbyname, n) for n in names]
        gevent.joinall(jobs, timeout=a.wait)
        took = time.monotonic() - t0
        answered = sum(1 for j in jobs if j.successful() and j.value == "10.1.2.3")
        gevent.killall(jobs)
        worst = max(worst, took)
        print("gevent-c-ares burst %d: %d names, answered %d, lost %d, %.3f s"
              % (b + 1, a.names, answered, a.names - answered, took), flush=True)
    print("gevent-c-ares worst of %d bursts: %.3f s" % (a.bursts, worst))


if __name__ == "__main__":
    main()
