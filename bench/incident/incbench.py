"""The incident benchmark (issue 14).  Started by bench/incident/run,
which says what the arguments are; needs root (libvirt daemons run as
nobody, as in tests/lib.sh).

detection  a libvirt daemon serving the test driver is host h1 of a
           hangard with its defaults (keepalive 2 s x 3).  It is killed
           with SIGKILL KILLS times (the connection closes: EOF) and
           stopped with SIGSTOP STOPS times (a host that stops answering:
           keepalive); each time, from the signal to the incident's own
           opening time, and the same for the peer: libvirt's own client,
           `virsh event --all --loop` on the same host with virsh's
           default keepalive, from the signal to it reporting the
           disconnection.
fan-out    10 such hosts with 100 running VPSes each, 1,000 customers
           with an address and a time zone.  The 10 daemons are killed
           at once: one incident, 1,000 mails.  hangard's CPU time
           (utime + stime) from the kill until all 1,000 are in the outbox
           (the SMTP server is down: they stay there), while another
           client asks `guest list` every 20 ms.  The peer: the same
           1,000 customers told by `maint notify` (a maintenance cycle of
           the same hosts), which spools every notice in one request.
"""
import json, os, shutil, signal, socket, subprocess, sys, threading, time

build, state = sys.argv[1], sys.argv[2]
kills, stops, nhosts, per_host = (int(x) for x in sys.argv[3:7])
limit = float(sys.argv[7])
t_begin = time.monotonic()
sock = os.path.join(state, "hangard.sock")
PY = "/usr/bin/python3"


def left():
    r = limit - (time.monotonic() - t_begin)
    if r <= 0:
        sys.exit("out of time (LIMIT=%d s)" % limit)
    return r


class Conn:
    """One client of hangard's socket (JSON lines)."""

    def __init__(self):
        for _ in range(400):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(sock)
                break
            except OSError:
                self.s.close()
                time.sleep(0.05)
        else:
            sys.exit("hangard did not open %s" % sock)
        self.s.settimeout(min(left(), 120))
        self.f = self.s.makefile("rwb")
        self.id = 0
        self.call("hello", {"version": 1})

    def send(self, method, params):
        self.id += 1
        self.f.write(json.dumps({"id": self.id, "method": method,
                                 "params": params}).encode() + b"\n")

    def recv(self, method):
        line = self.f.readline()
        if not line:
            sys.exit("%s: hangard closed the connection" % method)
        r = json.loads(line)
        if not r["ok"]:
            sys.exit("%s: %s" % (method, r["error"]["message"]))
        return r.get("result")

    def call(self, method, params=None):
        self.send(method, params or {})
        self.f.flush()
        return self.recv(method)

    def many(self, method, plist, depth=32):
        out, sent = [], 0
        while len(out) < len(plist):
            while sent < len(plist) and sent - len(out) < depth:
                self.send(method, plist[sent])
                sent += 1
            self.f.flush()
            out.append(self.recv(method))
        return out


class Daemon:
    """An unprivileged libvirtd serving the test driver (tests/lib.sh)."""

    def __init__(self, n):
        self.dir = os.path.join(state, "lv%d" % n)
        for d in ("home", "run", "config", "cache"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        subprocess.run(["chown", "-R", "nobody:nogroup", self.dir], check=True)
        os.chmod(os.path.join(self.dir, "run"), 0o700)
        self.uri = ("test+unix:///default?socket=%s/run/libvirt/libvirt-sock"
                    % self.dir)
        self.proc = None
        self.start()

    def start(self):
        env = dict(os.environ, HOME=self.dir + "/home",
                   XDG_RUNTIME_DIR=self.dir + "/run",
                   XDG_CONFIG_HOME=self.dir + "/config",
                   XDG_CACHE_HOME=self.dir + "/cache")
        log = open(os.path.join(self.dir, "log"), "ab")
        self.proc = subprocess.Popen(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             "/usr/sbin/libvirtd"], cwd=self.dir, env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=log)
        for _ in range(300):
            if subprocess.run(["virsh", "-q", "-c", self.uri, "version"],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        sys.exit("libvirtd %s did not start" % self.dir)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def reap(self):
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()


def now_ms():
    return int(time.time() * 1000)


def pct(v, p):
    v = sorted(v)
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))
    return v[k]


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def wait_for(what, cond, secs):
    end = time.monotonic() + min(secs, left())
    while time.monotonic() < end:
        r = cond()
        if r:
            return r
        time.sleep(0.02)
    sys.exit("timed out: %s" % what)


# ---------------------------------------------------------------- detection

def newest_open(c, after):
    for r in c.call("incident.list", {"open": True}):
        if r["id"] > after:
            return r
    return None


def detection(c, lv, sig, n):
    """n times: signal sig to h1's daemon; hangard's and virsh's figures."""
    ours, lost, peer = [], [], []
    last = max([r["id"] for r in c.call("incident.list")] + [0])
    for _ in range(n):
        v = subprocess.Popen(["virsh", "-c", lv.uri, "event", "--all",
                              "--loop"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        ended = []
        w = threading.Thread(target=lambda: (v.wait(), ended.append(
            now_ms())), daemon=True)
        w.start()
        time.sleep(1)
        t0 = now_ms()
        lv.signal(sig)
        r = wait_for("an incident", lambda: newest_open(c, last), 120)
        ours.append(r["opened_ms"] - t0)
        last = r["id"]
        h = c.call("incident.show", {"id": last})["host_list"][0]
        lost.append(h["lost_ms"] - t0 if "lost_ms" in h else None)
        w.join(min(90, left()))
        if ended:
            peer.append(ended[0] - t0)
        else:
            v.kill()
            w.join(5)
            peer.append(None)
        if sig == signal.SIGKILL:
            lv.reap()
            lv.start()
        else:
            lv.signal(signal.SIGCONT)
        wait_for("the incident resolved", lambda: c.call(
            "incident.show", {"id": last})["state"] == "resolved", 60)
    return ours, lost, peer


def show_detection(name, ours, lost, peer):
    p = [x for x in peer if x is not None]
    lo = [x for x in lost if x is not None]
    print("detection, %s (%d times): hangard loses the host after median "
          "%.2f s, max %.2f s, and opens the incident after median %.2f s, "
          "max %.2f s; virsh event (libvirt's client, its default "
          "keepalive) sees the disconnection after median %.2f s, max %.2f s%s"
          % (name, len(ours), median(lo) / 1000, max(lo) / 1000,
             median(ours) / 1000, max(ours) / 1000,
             median(p) / 1000 if p else -1, max(p) / 1000 if p else -1,
             "" if len(p) == len(peer) else " (%d never did)" %
             (len(peer) - len(p))))
    if p:
        print("  ratio hangard/virsh (medians): losing the host %.2f, "
              "opening the incident (2 s of grace included) %.2f" %
              (median(lo) / max(1, median(p)) if lo else -1,
               median(ours) / max(1, median(p))))


# ---------------------------------------------------------------- fan-out

def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return int(v[11]) + int(v[12])     # utime, stime


class Prober(threading.Thread):
    """guest list every 100 ms on its own connection; the latencies."""

    def __init__(self):
        super().__init__(daemon=True)
        self.c = Conn()
        self.lat = []
        self.stop = False

    def run(self):
        while not self.stop:
            t = time.monotonic()
            self.c.call("guest.list", {"rows": True})
            self.lat.append((time.monotonic() - t) * 1000)
            time.sleep(0.1)


def clear_outbox():
    """Moves what the outbox holds aside: with the SMTP server down, every
    flush would scan it all, which a working outbox never holds."""
    d = os.path.join(state, "outbox")
    aside = os.path.join(state, "outbox-aside")
    os.makedirs(aside, exist_ok=True)
    if os.path.isdir(d):
        for x in os.listdir(d):
            if x.endswith(".eml") or x.endswith(".env"):
                try:
                    os.rename(os.path.join(d, x), os.path.join(aside, x))
                except FileNotFoundError:
                    pass        # a flush took it meanwhile


def outbox():
    d = os.path.join(state, "outbox")
    return len([x for x in os.listdir(d) if x.endswith(".eml")]) \
        if os.path.isdir(d) else 0


def measured(what, hpid, start, done, expect, probe):
    """Runs start(); until done(): hangard's CPU and the wall time; with
    probe, guest list latencies meanwhile (their CPU is counted too)."""
    p = None
    if probe:
        p = Prober()
        p.start()
        time.sleep(0.5)
        base = len(p.lat)
    perf = None
    if os.environ.get("PERF") and "incident" in what and not probe:
        perf = subprocess.Popen(["perf", "record", "-g", "-p", str(hpid),
                                 "-o", os.path.join(state, "perf.data")],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(1)
    c0, w0 = cpu_ticks(hpid), time.monotonic()
    start()
    wait_for(what, done, 300)
    c1, w1 = cpu_ticks(hpid), time.monotonic()
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait(30)
    cpu = (c1 - c0) / os.sysconf("SC_CLK_TCK")
    if not probe:
        print("  %s: %d mails queued in %.2f s of hangard CPU (%.2f s wall), "
              "nothing else asked" % (what, expect, cpu, w1 - w0))
        return cpu, None
    time.sleep(0.2)		# a call blocked until now is counted
    p.stop = True
    p.join(5)
    lat = p.lat[base:] or [0]
    print("  %s, with an operator's guest list every 100 ms: %.2f s of "
          "hangard CPU (the lists' included, %.2f s wall); guest list: %d "
          "calls, median %.1f ms, p99 %.1f ms, max %.1f ms" %
          (what, cpu, w1 - w0, len(lat), median(lat), pct(lat, 99),
           max(lat)))
    return cpu, max(lat)


DAEMONS = []


def fanout(c, hpid, run, probe):
    """One incident of nhosts new hosts; then the peer on their customers."""
    lvs = [Daemon(100 * run + i) for i in range(nhosts)]
    DAEMONS.extend(lvs)
    pre = "r%d" % run
    c.many("host.add", [{"name": "%sf%02d" % (pre, i), "uri": lv.uri,
                         "disk": "4T", "disk_kind": "ssd", "ram": "1T",
                         "cpus": 256} for i, lv in enumerate(lvs)])
    zones = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC",
             "Australia/Sydney"]
    n = nhosts * per_host
    c.many("customer.add", [{"name": "%sk%04d" % (pre, k), "email":
                             "%sk%04d@example.com" % (pre, k),
                             "tz": zones[k % 5]} for k in range(n)])
    c.many("guest.create", [{"name": "%sv%04d" % (pre, k), "owner":
                             "%sk%04d" % (pre, k), "plan": "micro",
                             "host": "%sf%02d" % (pre, k % nhosts),
                             "start": True} for k in range(n)], depth=64)
    print("fan-out %d: %d hosts, %d running VPSes of %d customers" %
          (run, nhosts, n, n))
    # the peer, planned now (it needs the hosts), told after the incident:
    # the same customers told by maint notify, in one request
    adv = "XSA-9%02d" % run
    c.call("advisory.add", {"id": adv, "title": "bench", "affects":
                            "test >= 0", "action": "reboot"})
    planned = True
    try:
        c.call("maint.plan", {"advisories": adv, "start":
                              "2030-01-01T06:00Z", "window": "24h",
                              "max_parallel": nhosts})
    except SystemExit as e:
        print("  peer unavailable: %s" % e)
        planned = False
    time.sleep(1)
    clear_outbox()
    before = outbox()

    def kill_all():
        for lv in lvs:
            lv.signal(signal.SIGKILL)
    ours = measured("incident (hangard)", hpid, kill_all,
                    lambda: outbox() >= before + n, n, probe)
    inc = c.call("incident.show", {})
    print("  the incident: %d hosts, %d VPSes, %d customers, %d notices" %
          (inc["hosts"], inc["vpses"], inc["customers"], len(inc["notices"])))
    peer = None
    if planned:
        time.sleep(2)
        clear_outbox()
        before = outbox()
        peer = measured("maint notify (the peer)", hpid,
                        lambda: c.call("maint.notify", {}),
                        lambda: outbox() >= before + n, n, probe)
    if peer:
        print("  ratio incident/maint notify: CPU %.2f%s" % (
              ours[0] / max(0.001, peer[0]), "" if not probe else
              ", worst guest list %.2f" % (ours[1] / max(0.001, peer[1]))))
    for lv in lvs:
        lv.reap()


def main():
    hangard = subprocess.Popen(
        [os.path.join(build, "hangard", "hangard"), "-d", "-s", state, "-f",
         os.path.join(state, "hangard.conf")],
        stdout=open(os.path.join(state, "hangard.log"), "ab"),
        stderr=subprocess.STDOUT)
    lv = None
    try:
        c = Conn()
        lv = Daemon(1)
        c.call("host.add", {"name": "h1", "uri": lv.uri, "disk": "1T",
                            "disk_kind": "ssd"})
        if kills > 0:
            show_detection("SIGKILL (EOF)", *detection(c, lv, signal.SIGKILL,
                                                       kills))
        if stops > 0:
            show_detection("SIGSTOP (keepalive)",
                           *detection(c, lv, signal.SIGSTOP, stops))
        if nhosts > 0:
            fanout(c, hangard.pid, 1, True)	# with guest lists
            # resolved, its mails queued: the next is an incident of its own
            last = c.call("incident.list", {"open": True})
            before = outbox()
            for r in last:
                c.call("incident.resolve", {"id": r["id"]})
            wait_for("the resolution mails", lambda: outbox() >= before +
                     nhosts * per_host, 120)
            fanout(c, hangard.pid, 2, False)	# CPU, nothing else asked
    finally:
        for d in DAEMONS + ([lv] if lv else []):
            d.stop()
        hangard.terminate()
        hangard.wait(10)


main()
