"""Builds a fleet through hangard's socket, then measures it (bench/fleet/run)."""
import json, os, shutil, socket, statistics, subprocess, sys, time

build, state, nhosts, nguests = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sock = os.path.join(state, "hangard.sock")
hangar = os.path.join(build, "hangar", "hangar")

class Conn:
    def __init__(self):
        for _ in range(200):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(sock)
                break
            except OSError:
                time.sleep(0.05)
        self.f = self.s.makefile("rwb")
        self.id = 0
        self.call("hello", {"version": 1})
    def call(self, method, params=None):
        self.id += 1
        self.f.write(json.dumps({"id": self.id, "method": method,
                                 "params": params or {}}).encode() + b"\n")
        self.f.flush()
        r = json.loads(self.f.readline())
        if not r["ok"]:
            raise RuntimeError("%s: %s" % (method, r["error"]["message"]))
        return r["result"]

def node_xml(path, cpus, ram_gib):
    with open(path, "w") as f:
        f.write("<node><cpu><mhz>2400</mhz><model>x86_64</model><active>%d</active>"
                "<nodes>1</nodes><sockets>1</sockets><cores>%d</cores><threads>1</threads>"
                "</cpu><memory>%d</memory></node>\n" % (cpus, cpus, ram_gib << 20))

c = Conn()
t0 = time.time()
uris = []
for i in range(nhosts):
    p = os.path.join(state, "h%05d.xml" % i)
    node_xml(p, 48, 256)
    uris.append("test://" + p)
    c.call("host.add", {"name": "h%05d" % i, "uri": uris[-1], "disk": "8T",
                        "disk_kind": "ssd" if i % 5 else "hdd"})
c.call("customer.add", {"name": "bench"})
per = max(1, nguests // nhosts)
for g in range(nguests):
    c.call("guest.create", {"name": "g%06d" % g, "owner": "bench", "plan": "micro",
                            "host": "h%05d" % (g // per % nhosts), "start": True})
build_s = time.time() - t0
print("fleet: %d hosts, %d guests built through the socket in %.1f s" % (nhosts, nguests, build_s))

def timed(cmd, n, best=False):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        ts.append(time.perf_counter() - t)
    return min(ts) if best else statistics.median(ts)

ts = []
for _ in range(5):
    t = time.perf_counter()
    c.call("guest.list")
    ts.append(time.perf_counter() - t)
list_rpc = statistics.median(ts)
list_s = timed([hangar, "-s", state, "guest", "list"], 5)
list_best = timed([hangar, "-s", state, "guest", "list"], 5, best=True)
json_s = timed([hangar, "-s", state, "--json", "guest", "list"], 5)
out = subprocess.run([hangar, "-s", state, "guest", "list"], capture_output=True, text=True).stdout
rows = len(out.splitlines()) - 1
assert rows == nguests, (rows, nguests)

# the peer: virsh list --all over the same URIs, each a fresh test driver
# with only the node definition (it cannot see our guests; it lists 0 or 1
# domains per host, so this is its floor, not a like-for-like list)
sample = uris[:100]
t = time.perf_counter()
for u in sample:
    subprocess.run(["virsh", "-q", "-c", u, "list", "--all"], stdout=subprocess.DEVNULL, check=True)
virsh_100 = time.perf_counter() - t
virsh_s = virsh_100 * len(uris) / len(sample)

pid = int(open(os.path.join(state, "hangard.pid")).read())

# 64 hostile idle clients: two unprivileged uids (nobody, daemon) with 32
# connections each, hangard's per-uid limit, connected and silent, and
# connecting again whenever hangard closes one for saying no hello
HOSTILE = r"""
import socket, sys, time
path, n, end = sys.argv[1], int(sys.argv[2]), time.time() + float(sys.argv[3])
socks, ready = [], False
while time.time() < end:
    alive = []
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(4096) == b"":
                s.close()
                continue
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        alive.append(s)
    socks = alive
    while len(socks) < n:
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        socks.append(s)
    if not ready:
        print("ready", len(socks), flush=True)
        ready = True
    time.sleep(0.2)
"""
hostile_s = hostile_best = None
hostile_fds = 0
if os.getuid() == 0 and shutil.which("setpriv"):
    before_fds = len(os.listdir("/proc/%d/fd" % pid))
    procs = [subprocess.Popen(["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid,
                               "--clear-groups", "/usr/bin/python3", "-c", HOSTILE,
                               sock, "32", "120"], stdout=subprocess.PIPE, text=True)
             for uid in (65534, 1)]
    try:
        for p in procs:
            assert p.stdout.readline().startswith("ready"), "hostile client failed"
        time.sleep(0.5)
        hostile_fds = len(os.listdir("/proc/%d/fd" % pid)) - before_fds
        hostile_s = timed([hangar, "-s", state, "guest", "list"], 5)
        hostile_best = timed([hangar, "-s", state, "guest", "list"], 5, best=True)
    finally:
        for p in procs:
            p.kill()
            p.wait()
rss_kib = int([l for l in open("/proc/%d/status" % pid) if l.startswith("VmRSS")][0].split()[1])

# 64 concurrent clients, 3 s, guest.show of spread guests (one store read
# each), from bench/fleet/rpcload.c: C threads, so that the clients are
# not the limit (Python threads share one interpreter lock)
errors = []
load = subprocess.run([os.path.join(build, "bench", "rpcload"), sock, "64", "3",
                       str(nguests)], capture_output=True, text=True)
if load.returncode != 0:
    errors.append("rpcload: exit %d: %s%s" % (load.returncode, load.stdout, load.stderr))
lf = load.stdout.split()
lf = dict(zip(lf[0::2], lf[1::2]))
rps = float(lf.get("rps", 0))

# hangard's own memory: restart it on the same store.  libvirt's test
# driver keeps every host's domains inside the process that opened it; on
# real hosts that state lives in each host's libvirtd, not in hangard.
os.kill(pid, 15)
for _ in range(100):
    try:
        os.kill(pid, 0)
        time.sleep(0.1)
    except OSError:
        break
subprocess.Popen([os.path.join(build, "hangard", "hangard"), "-d", "-s", state],
                 stderr=subprocess.DEVNULL)
c2 = Conn()
c2.call("guest.list")
pid2 = int(open(os.path.join(state, "hangard.pid")).read())
rss2_kib = int([l for l in open("/proc/%d/status" % pid2) if l.startswith("VmRSS")][0].split()[1])

print("hangar guest list (%d rows, table): %.1f ms median of 5, %.1f ms best   target < 100 ms" %
      (rows, list_s * 1000, list_best * 1000))
print("hangar --json guest list: %.1f ms median of 5" % (json_s * 1000))
print("virsh list --all over the same %d URIs: %.1f s (%d timed)   ratio virsh/hangar: %.0fx" %
      (len(uris), virsh_s, len(sample), virsh_s / list_s))
if hostile_s is not None:
    print("hangar guest list with 64 hostile idle clients (2 uids x 32, %d of their "
          "connections held): %.1f ms median of 5, %.1f ms best   ratio virsh/hangar: %.0fx" %
          (hostile_fds, hostile_s * 1000, hostile_best * 1000, virsh_s / hostile_s))
else:
    print("hangar guest list with 64 hostile idle clients: not run (needs root and setpriv)")
print("hangard RSS with %d in-process test-driver hosts: %.1f MB" % (nhosts, rss_kib / 1024))
print("hangard RSS on the same store after a restart (its own memory): %.1f MB   target < 100 MB" % (rss2_kib / 1024))
print("guest.list as objects (the --json form) over the socket, no CLI parsing: %.1f ms median of 5" % (list_rpc * 1000))
print("requests/s, 64 concurrent clients (guest.show, C clients on the same cores): %.0f"
      "   target > 10,000; latency p50 %s us, p99 %s us" % (rps, lf.get("p50_us", "?"),
      lf.get("p99_us", "?")))
if errors:
    print("  client errors: %d, first: %s" % (len(errors), errors[0]))
