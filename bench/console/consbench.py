"""The console relay under N concurrent sessions (bench/console/run).

Plays N guests: each owns the master of a pty whose slave hangard opens
as the guest's lab console (test_console_dir).  Each session's client is
a real hangar-console process (as sshd's ForceCommand would run it, as a
customer's uid) whose stdin and stdout are pipes held here; with
CLIENTS=raw, plain socket connections doing console.attach instead.
Prints hangard's memory, the relay's throughput and its added latency.
"""
import json, os, pty, select, socket, subprocess, sys, time, tty

build, state, nsess = sys.argv[1], sys.argv[2], int(sys.argv[3])
kind = os.environ.get("CLIENTS", "console")
cons = os.path.join(state, "cons")
sock = os.path.join(state, "hangard.sock")
hpid = int(sys.argv[4])
CUST_UID = int(os.environ.get("BENCH_UID", "64999"))
LAT_RATE = float(os.environ.get("LAT_RATE", "10"))   # messages/s per session
LAT_SECS = float(os.environ.get("LAT_SECS", "10"))
TP_BYTES = int(os.environ.get("TP_BYTES", str(256 * 1024)))  # per session
TP_SECS = 120                                          # bound of that run


class Conn:
    def __init__(self):
        for _ in range(200):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(sock)
                break
            except OSError:
                time.sleep(0.05)
        self.f = self.s.makefile("rwb", buffering=0)
        self.id = 0
        self.call("hello", {"version": 1})

    def call(self, method, params=None, ok=True):
        self.id += 1
        self.f.write(json.dumps({"id": self.id, "method": method,
                                 "params": params or {}}).encode() + b"\n")
        r = json.loads(self.f.readline())
        if ok and not r["ok"]:
            raise RuntimeError("%s: %s" % (method, r["error"]["message"]))
        return r


def mem(pid):
    """(VmRSS, RssAnon, Pss) in KiB.  RssAnon is the process's own heap
    and stacks; RSS and PSS also count shared library pages, whose PSS
    share falls as more processes (the clients) map the same libraries."""
    v = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in ("VmRSS", "RssAnon"):
                v[k] = int(rest.split()[0])
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                v["Pss"] = int(line.split()[1])
    return v["VmRSS"], v["RssAnon"], v["Pss"]


def cpu_s(pid):
    """CPU seconds so far: (the main thread, hangard's loop; all threads,
    the loop plus libvirt's event thread, which reads the ptys)."""
    def ticks(path):
        with open(path) as f:
            st = f.read().rsplit(")", 1)[1].split()
        return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
    return (ticks("/proc/%d/task/%d/stat" % (pid, pid)),
            ticks("/proc/%d/stat" % pid))


def busy(c0, secs):
    """'CPU' text since c0 = cpu_s() over secs."""
    c1 = cpu_s(hpid)
    loop, total = c1[0] - c0[0], c1[1] - c0[1]
    return "hangard CPU %.0f%% (loop %.0f%%, other threads %.0f%%)" % (
        total / secs * 100, loop / secs * 100, (total - loop) / secs * 100)


def node_xml(path):
    with open(path, "w") as f:
        f.write("<node><cpu><mhz>2400</mhz><model>x86_64</model><active>64"
                "</active><nodes>1</nodes><sockets>1</sockets><cores>64</cores>"
                "<threads>1</threads></cpu><memory>%d</memory></node>\n"
                % (512 << 20))


def fleet(c):
    """N guests on N/50 test hosts, each with a pty; returns the masters."""
    per = 50
    for h in range((nsess + per - 1) // per):
        p = os.path.join(state, "h%02d.xml" % h)
        node_xml(p)
        c.call("host.add", {"name": "h%02d" % h, "uri": "test://" + p,
                            "disk": "8T", "disk_kind": "ssd"})
    c.call("customer.add", {"name": "bench", "uid": CUST_UID})
    masters = []
    for g in range(nsess):
        name = "g%04d" % g
        c.call("guest.create", {"name": name, "owner": "bench", "plan": "micro",
                                "host": "h%02d" % (g // per), "start": True})
        m, s = pty.openpty()
        os.symlink(os.ttyname(s), os.path.join(cons, name))
        os.close(s)
        os.set_blocking(m, False)
        masters.append(m)
    return masters


class Session:
    """One attached console: the guest's master, the client's output fd."""
    def __init__(self, i, master):
        self.i, self.master, self.name = i, master, "g%04d" % i
        self.proc = None
        self.buf = b""

    def start_console(self):
        rin, self.stdin = os.pipe()
        self.out, wout = os.pipe()
        self.proc = subprocess.Popen(
            ["setpriv", "--reuid=%d" % CUST_UID, "--regid=%d" % CUST_UID,
             "--clear-groups", os.path.join(build, "console", "hangar-console"),
             "-S", sock, "-c", "console " + self.name],
            stdin=rin, stdout=wout, stderr=subprocess.DEVNULL, close_fds=True)
        os.close(rin)
        os.close(wout)

    def start_raw(self):
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        s.sendall(b'{"id":1,"method":"hello","params":{"version":1}}\n'
                  b'{"id":2,"method":"console.attach","params":{"name":"%s"}}\n'
                  % self.name.encode())
        self.sock = s       # keeps it open
        self.out = s.fileno()
        self.stdin = s.fileno()

    def attached(self):
        """True once the client says the relay runs (banner / reply 2)."""
        try:
            b = os.read(self.out, 65536)
        except BlockingIOError:
            return False
        if not b:
            raise RuntimeError("%s: client ended before attaching" % self.name)
        self.buf += b
        if not self.buf.endswith(b"\n"):
            return False
        if kind == "console":
            done = b"Leave with" in self.buf
        else:
            replies = [json.loads(ln) for ln in self.buf.split(b"\n") if ln]
            done = any(r["id"] == 2 for r in replies)
            if done and not replies[-1]["ok"]:
                raise RuntimeError("%s: %s" % (self.name, replies[-1]))
        if done:
            self.buf = b""
        return done


def attach_all(masters):
    sess = [Session(i, m) for i, m in enumerate(masters)]
    t0 = time.time()
    for s in sess:
        s.start_console() if kind == "console" else s.start_raw()
        os.set_blocking(s.out, False)
    waiting = {s.out: s for s in sess}
    ep = select.epoll()
    for fd in waiting:
        ep.register(fd, select.EPOLLIN)
    deadline = time.time() + 120
    while waiting and time.time() < deadline:
        for fd, _ in ep.poll(1):
            if fd in waiting and waiting[fd].attached():
                ep.unregister(fd)
                del waiting[fd]
    if waiting:
        raise RuntimeError("%d sessions did not attach" % len(waiting))
    return sess, time.time() - t0


def settle():
    time.sleep(2)


def latency(sess, rate=LAT_RATE):
    """Timestamped lines on the masters at LAT_RATE per session; arrival
    at the clients.  Returns the delays in ms and the lines lost."""
    byfd = {s.out: s for s in sess}
    ep = select.epoll()
    for s in sess:
        s.buf = b""
        ep.register(s.out, select.EPOLLIN)
    period = 1.0 / (rate * len(sess))   # one write every period, round robin
    total = int(LAT_SECS * rate * len(sess))
    delays, sent, k = [], 0, 0
    t_start = time.perf_counter()
    end = t_start + LAT_SECS + 5
    while time.perf_counter() < end and (sent < total or len(delays) < sent):
        now = time.perf_counter()
        while sent < total and t_start + sent * period <= now:
            s = sess[sent % len(sess)]
            os.write(s.master, b"%010d %d\r\n" % (sent, time.perf_counter_ns()))
            sent += 1
        due = t_start + sent * period - time.perf_counter() if sent < total else 0.05
        for fd, _ in ep.poll(max(0.0, min(due, 0.05))):
            s = byfd[fd]
            s.buf += os.read(fd, 65536)
            t = time.perf_counter_ns()
            *lines, s.buf = s.buf.split(b"\r\n")
            for ln in lines:
                delays.append((t - int(ln.split()[1])) / 1e6)
    ep.close()
    return delays, sent - len(delays)


def floor(n):
    """The same driver writing and reading n ptys itself (no relay): what
    latency() would measure for a relay that adds nothing."""
    pairs = []
    for _ in range(n):
        m, sl = pty.openpty()
        tty.setraw(sl)
        os.set_blocking(sl, False)
        pairs.append((m, sl))
    fake = []
    for i, (m, sl) in enumerate(pairs):
        s = Session(i, m)
        s.out = sl
        fake.append(s)
    d, lost = latency(fake)
    for m, sl in pairs:
        os.close(m)
        os.close(sl)
    return d


def throughput(sess):
    """TP_BYTES per session written as fast as the ptys take them; time
    until the clients have them all (bounded by TP_SECS)."""
    chunk = bytes((i * 7) % 251 for i in range(4096))
    left = {s.master: TP_BYTES for s in sess}
    got = {s.out: 0 for s in sess}
    bym = {s.master: s for s in sess}
    ep = select.epoll()
    for s in sess:
        ep.register(s.out, select.EPOLLIN)
        ep.register(s.master, select.EPOLLOUT)
    want = TP_BYTES * len(sess)
    recv = 0
    t0 = time.perf_counter()
    while recv < want and time.perf_counter() - t0 < TP_SECS:
        for fd, ev in ep.poll(1):
            if ev & select.EPOLLOUT and fd in left:
                try:
                    n = os.write(fd, chunk[:min(len(chunk), left[fd])])
                except BlockingIOError:
                    continue
                left[fd] -= n
                if left[fd] == 0:
                    ep.unregister(fd)
                    del left[fd]
            elif ev & select.EPOLLIN and fd in got:
                n = len(os.read(fd, 65536))
                got[fd] += n
                recv += n
    secs = time.perf_counter() - t0
    ep.close()
    return recv, want, secs


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def client_mem(sess):
    if kind != "console":
        return None
    rs = [mem(s.proc.pid) for s in sess]
    return tuple(sum(r[i] for r in rs) / len(rs) for i in range(3))


def main():
    c = Conn()
    t0 = time.time()
    masters = fleet(c)
    print("console bench: %d test-driver guests with lab ptys (%.1f s); "
          "clients: %s" % (nsess, time.time() - t0,
                           "hangar-console processes" if kind == "console"
                           else "raw socket connections"))
    settle()
    before = mem(hpid)
    sess, att = attach_all(masters)
    settle()
    with_ = mem(hpid)
    print("attach: %d sessions attached in %.1f s" % (nsess, att))
    print("hangard memory, before / with %d attached: VmRSS %d / %d KiB, "
          "RssAnon %d / %d KiB, Pss %d / %d KiB" % ((nsess,) + tuple(
              x for pair in zip(before, with_) for x in pair)))
    print("  per session: %.1f KiB RSS, %.1f KiB anonymous (target < 64 KiB)"
          % ((with_[0] - before[0]) / nsess, (with_[1] - before[1]) / nsess))
    cm = client_mem(sess)
    if cm:
        print("  each hangar-console client: %.0f KiB RSS, %.0f KiB anonymous,"
              " %.0f KiB PSS (a process per session, as sshd's ForceCommand"
              " runs it; sshd's own not counted)" % cm)

    fl = floor(min(nsess, 500))
    print("latency: timestamped lines written on the pty masters, read from "
          "the clients' output")
    print("  floor (this driver reading the ptys itself, no relay): p50 %.2f"
          " ms, p99 %.2f ms" % (pct(fl, 50), pct(fl, 99)))
    for rate in (1.0, LAT_RATE):
        c0 = cpu_s(hpid)
        d, lost = latency(sess, rate)
        print("  %g lines/s per session (%d lines/s in all, %d lines over %g s):"
              " p50 %.2f ms, p99 %.2f ms, max %.2f ms, lost %d" % (
                  rate, rate * nsess, len(d), LAT_SECS, pct(d, 50), pct(d, 99),
                  max(d), lost))
        print("    " + busy(c0, LAT_SECS))
        print("    added by the relay: p50 %.2f ms, p99 %.2f ms (target p99 <"
              " 5 ms)" % (pct(d, 50) - pct(fl, 50), pct(d, 99) - pct(fl, 99)))

    c0 = cpu_s(hpid)
    recv, want, secs = throughput(sess)
    print("throughput: %d sessions x %d KiB, guest -> client: %.1f MB/s "
          "aggregate (%d of %d bytes in %.1f s%s)" % (
              nsess, TP_BYTES // 1024, recv / secs / 1e6, recv, want, secs,
              "" if recv == want else "; %d lost" % (want - recv)))
    print("  " + busy(c0, secs))
    settle()
    after = mem(hpid)
    print("hangard memory after the throughput run: VmRSS %d KiB, RssAnon %d "
          "KiB: %.1f KiB RSS, %.1f KiB anonymous per session over before" % (
              after[0], after[1], (after[0] - before[0]) / nsess,
              (after[1] - before[1]) / nsess))
    for s in sess:
        if s.proc:
            s.proc.terminate()
    for s in sess:
        if s.proc:
            s.proc.wait(10)


main()
