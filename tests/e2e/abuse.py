"""abuse.py SOCK STATUS MODE ARGS...: a hostile local user of hangard's
socket, for tests/e2e/t0430-abuse.sh.  Every loop is bounded in count and
in time; only the given Unix socket is touched.  Status lines (JSON) go to
the file STATUS as the attack goes.

  flood N REQUESTS SECONDS HOLD
      N connections say hello and send up to REQUESTS post.list requests
      each, as fast as the socket takes them, never reading a reply
      (stops at SECONDS; notes which sockets took nothing in the last
      second); then they are held for up to HOLD seconds, still unread,
      and the script notes when hangard closes them.
  conns MAX SECONDS HOLD [hello]
      keeps up to MAX connections open for SECONDS, opening new ones as
      hangard refuses or closes them (at most 4 * MAX attempts), then
      holds what is left, idle, for up to HOLD seconds; with "hello" each
      one says hello first.  Notes what was refused and why, and how many
      hangard closed later.
"""
import json
import os
import resource
import select
import socket
import sys
import time

sock, status, mode = sys.argv[1], sys.argv[2], sys.argv[3]
args = sys.argv[4:]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def note(**kw):
    kw["t"] = round(time.time(), 3)
    with open(status, "a") as f:
        f.write(json.dumps(kw) + "\n")


def hello_line():
    return b'{"id":1,"method":"hello","params":{"version":1}}\n'


def closed(s):
    """True when hangard has closed s; nothing is read from it."""
    p = select.poll()
    p.register(s, select.POLLHUP | select.POLLRDHUP)
    return any(ev & (select.POLLHUP | select.POLLRDHUP | select.POLLERR)
               for _, ev in p.poll(0))


def hold(socks, seconds, what):
    """Waits until hangard closed every socket or time is up; notes when."""
    end = time.time() + seconds
    open_ = set(range(len(socks)))
    t0 = time.time()
    while open_ and time.time() < end:
        for i in list(open_):
            if closed(socks[i]):
                open_.discard(i)
        if open_:
            time.sleep(0.1)
    note(phase=what + "-end", still_open=len(open_),
         closed=len(socks) - len(open_), after=round(time.time() - t0, 1))


def flood(n, requests, seconds, hold_s):
    # post.list: the test posts a long text, so every reply is big
    req = b'{"id":2,"method":"post.list","params":{}}\n'
    socks, sent, last_ok = [], [], []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        s.sendall(hello_line())
        s.setblocking(False)
        socks.append(s)
        sent.append(0)
        last_ok.append(time.time())
    end = time.time() + seconds
    busy = set(range(n))
    # until every socket has taken nothing for over a second (on a loaded
    # machine filling the buffers takes longer than on a quiet one), or
    # the time is up
    while busy and time.time() < end:
        if all(time.time() - t > 1.2 for t in last_ok):
            break
        for i in list(busy):
            try:
                k = socks[i].send(req * 64)
                sent[i] += k // len(req)
                last_ok[i] = time.time()
                if sent[i] >= requests:
                    busy.discard(i)
            except BlockingIOError:
                pass		# hangard does not read: back-pressure
            except OSError:
                busy.discard(i)
        select.select([], [s for i, s in enumerate(socks) if i in busy],
                      [], 0.05)
    # stuck: the socket took nothing for the last second (hangard does
    # not read a client whose replies wait unread)
    note(phase="flood-ready", requests_sent=sent,
         stuck=[time.time() - t > 1.0 for t in last_ok])
    hold(socks, hold_s, "flood")


def refused_why(s):
    """None while s is open; else why hangard closed it."""
    s.setblocking(False)
    try:
        d = s.recv(65536)
    except BlockingIOError:
        return None
    except OSError as ex:
        return type(ex).__name__
    if not d:
        return "eof"
    if b'"capacity"' in d:
        return json.loads(d.split(b"\n")[0])["error"]["message"] \
            .split(" (")[0]
    return None		# a hello reply: it stays


def conns(maxn, seconds, hold_s, say_hello):
    """Keeps up to maxn connections open for seconds, opening new ones as
    hangard refuses or closes them (at most maxn * 4 attempts)."""
    socks, reasons = [], {}
    tried = peak = 0
    end = time.time() + seconds
    first = True
    while time.time() < end and tried < maxn * 4:
        while len(socks) < maxn and time.time() < end and tried < maxn * 4:
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(0.2)
            tried += 1
            try:
                s.connect(sock)
                if say_hello:
                    s.sendall(hello_line())
            except OSError as ex:
                k = type(ex).__name__
                reasons[k] = reasons.get(k, 0) + 1
                s.close()
                if isinstance(ex, (BlockingIOError, TimeoutError)):
                    break	# the backlog is full: let hangard catch up
                continue
            socks.append(s)
            if len(socks) % 64 == 0:
                time.sleep(0.02)	# a burst of 64, like a careful attacker
        time.sleep(0.2)
        kept = []
        for s in socks:
            why = refused_why(s)
            if why is None:
                kept.append(s)
            else:
                reasons[why] = reasons.get(why, 0) + 1
                s.close()
        socks = kept
        peak = max(peak, len(socks))
        if first:
            note(phase="conns-ready", tried=tried, kept=len(socks),
                 reasons=dict(reasons))
            first = False
    note(phase="conns-sustained", tried=tried, peak=peak, kept=len(socks),
         refused=sum(reasons.values()), reasons=reasons)
    hold(socks, hold_s, "conns")


if mode == "flood":
    flood(int(args[0]), int(args[1]), float(args[2]), float(args[3]))
elif mode == "conns":
    conns(int(args[0]), float(args[1]), float(args[2]),
          len(args) > 3 and args[3] == "hello")
else:
    sys.exit("abuse.py: unknown mode " + mode)
