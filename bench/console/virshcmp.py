"""`virsh console` against hangard's relay on the same kind of real guest
(bench/console/virsh.sh).

The guest is a KVM guest whose init is busybox echoing its serial line
(cat /dev/ttyS0 > /dev/ttyS0), under libvirt's embedded QEMU driver.
virsh runs its own embedded driver (define, start, console in one
process, on a pty as it needs a terminal); hangard runs another with the
same guest created through its socket, and a hangar-console process as a
customer attaches it.  Both are measured the same way: lines written on
the client's input come back echoed on its output (round trip through
the relay twice, and through the guest's UART).
"""
import json, os, pty, select, socket, subprocess, sys, time

build, tmp = sys.argv[1], sys.argv[2]
kernel, initrd = sys.argv[3], sys.argv[4]
CUST_UID = int(os.environ.get("BENCH_UID", "64999"))
LINES, RATE, TP = 2000, 200.0, 64 * 1024
ACCEL = os.environ.get("ACCEL", "tcg")   # KVM here may be nested and broken
QEMU_CONF = 'stdio_handler = "file"\nuser = "root"\ngroup = "root"\n' \
    'dynamic_ownership = 0\n'


def mem(pid):
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


def embed_root(name):
    root = os.path.join(tmp, name)
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc", "qemu.conf"), "w") as f:
        f.write(QEMU_CONF)
    return root


class Client:
    """A relay's client end: write to win, read from rout."""
    def __init__(self, win, rout):
        self.win, self.rout = win, rout
        self.buf = b""

    def read(self, timeout):
        r, _, _ = select.select([self.rout], [], [], timeout)
        if not r:
            return b""
        b = os.read(self.rout, 65536)
        if not b:
            raise RuntimeError("the client ended")
        return b

    def wait_echo(self, limit=60):
        """Probes until the guest echoes (it boots meanwhile)."""
        end = time.time() + limit
        while time.time() < end:
            os.write(self.win, b"probe\n")
            self.buf += self.read(0.5)
            if b"probe\n" in self.buf:
                time.sleep(0.5)
                while self.read(0.2):
                    pass
                self.buf = b""
                return
        raise RuntimeError("the guest did not echo in %d s" % limit)

    def rtt(self):
        """LINES timestamped lines at RATE; their round trips in ms."""
        out, sent, t0 = [], 0, time.perf_counter()
        end = t0 + LINES / RATE + 10
        while len(out) < LINES and time.perf_counter() < end:
            if sent < LINES and time.perf_counter() >= t0 + sent / RATE:
                os.write(self.win, b"%06d %d\n" % (sent, time.perf_counter_ns()))
                sent += 1
            self.buf += self.read(max(0.0, t0 + sent / RATE -
                                      time.perf_counter()))
            t = time.perf_counter_ns()
            *lines, self.buf = self.buf.split(b"\n")
            out += [(t - int(ln.split()[1])) / 1e6 for ln in lines if ln]
        return out

    def throughput(self):
        """TP bytes of letters and newlines: time until all came back."""
        data = (b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                b"\n") * (TP // 63)
        os.set_blocking(self.win, False)
        off, got, t0 = 0, 0, time.perf_counter()
        while got < len(data) and time.perf_counter() - t0 < 60:
            wl = [self.win] if off < len(data) else []
            r, w, _ = select.select([self.rout], wl, [], 1)
            if w:
                try:
                    off += os.write(self.win, data[off:off + 4096])
                except BlockingIOError:
                    pass
            if r:
                got += len(os.read(self.rout, 65536))
        os.set_blocking(self.win, True)
        return got, len(data), time.perf_counter() - t0


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def domain_xml(path):
    with open(path, "w") as f:
        f.write("""<domain type='%s'><name>echo</name>
<memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel>
<initrd>%s</initrd><cmdline>quiet panic=-1</cmdline></os>
<features><acpi/></features><on_poweroff>destroy</on_poweroff>
<devices><serial type='pty'><target port='0'/></serial>
<console type='pty'><target type='serial' port='0'/></console>
</devices></domain>
""" % ("kvm" if ACCEL == "kvm" else "qemu", kernel, initrd))


def virsh_side():
    root = embed_root("virsh")
    xml = os.path.join(tmp, "echo.xml")
    domain_xml(xml)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("virsh", ["virsh", "-c", "qemu:///embed?root=" + root,
                            "define %s; start echo; console echo" % xml])
    c = Client(fd, fd)
    end = time.time() + 60
    while b"Escape character" not in c.buf and time.time() < end:
        c.buf += c.read(1)
    if b"Escape character" not in c.buf:
        raise RuntimeError("virsh console did not connect: %r" % c.buf[-300:])
    c.buf = b""
    return c, mem(pid), pid


def call(f, method, params):
    f.write(json.dumps({"id": 1, "method": method, "params": params}).encode()
            + b"\n")
    r = json.loads(f.readline())
    if not r["ok"]:
        raise RuntimeError("%s: %s" % (method, r["error"]["message"]))
    return r["result"]


def hangard_side():
    state = os.path.join(tmp, "hangard")
    os.mkdir(state)
    os.chmod(state, 0o755)
    root = embed_root("hroot")
    hd = subprocess.Popen([os.path.join(build, "hangard", "hangard"), "-d",
                           "-s", state], stdout=open(os.path.join(tmp,
                           "hangard.log"), "w"), stderr=subprocess.STDOUT)
    sock = os.path.join(state, "hangard.sock")
    for _ in range(200):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock)
            break
        except OSError:
            time.sleep(0.05)
    f = s.makefile("rwb", buffering=0)
    call(f, "hello", {"version": 1})
    call(f, "host.add", {"name": "kvm1", "uri": "qemu:///embed?root=" + root,
                         "accel": ACCEL, "disk": "20G", "disk_kind": "ssd"})
    call(f, "customer.add", {"name": "bench", "uid": CUST_UID})
    call(f, "guest.create", {"name": "echo", "owner": "bench", "plan": "micro",
                             "host": "kvm1", "kernel": kernel, "initrd": initrd,
                             "cmdline": "quiet panic=-1", "start": True})
    rin, win = os.pipe()
    rout, wout = os.pipe()
    cl = subprocess.Popen(
        ["setpriv", "--reuid=%d" % CUST_UID, "--regid=%d" % CUST_UID,
         "--clear-groups", os.path.join(build, "console", "hangar-console"),
         "-S", sock, "-c", "console echo"], stdin=rin, stdout=wout)
    os.close(rin)
    os.close(wout)
    c = Client(win, rout)
    c.wait_echo()
    return c, mem(hd.pid), mem(cl.pid), hd, cl


def report(name, c):
    d = c.rtt()
    got, want, secs = c.throughput()
    print("  %-26s round trip p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d of %d);"
          " echo throughput %.1f KB/s (%d of %d bytes in %.1f s)" % (
              name, pct(d, 50), pct(d, 99), max(d), len(d), LINES,
              got / secs / 1e3, got, want, secs))
    return d


def main():
    print("virsh console, where comparable: one real guest (QEMU, %s) "
          "echoing its serial line, %d lines at %g/s, then %d KiB echoed" % (
              ACCEL, LINES, RATE, TP // 1024))
    vc, vm, vpid = virsh_side()
    print("  memory of a virsh console session: %d KiB RSS, %d KiB anonymous,"
          " %d KiB PSS (a virsh with its own embedded QEMU driver; one talking"
          " to libvirtd would be smaller)" % vm)
    try:
        vc.wait_echo()
    except RuntimeError as e:
        print("  latency and throughput: not compared (%s)" % e)
        os.kill(vpid, 15)
        return
    vd = report("virsh console:", vc)
    os.kill(vpid, 15)
    hc, hm, cm, hd, cl = hangard_side()
    hd_ = report("hangard + hangar-console:", hc)
    cl.terminate()
    hd.terminate()
    hd.wait(30)
    print("  hangard adds over virsh console: p50 %+.2f ms, p99 %+.2f ms per "
          "round trip (two relay crossings; ratio p50 %.2f)" % (
              pct(hd_, 50) - pct(vd, 50), pct(hd_, 99) - pct(vd, 99),
              pct(hd_, 50) / pct(vd, 50)))
    print("  hangar-console process %d KiB RSS, %d KiB anonymous, %d KiB "
          "PSS, plus hangard's share (bench above)" % cm)
    print("    ratio of anonymous memory, virsh console / hangar-console: %.1f"
          % (vm[1] / cm[1]))


main()
