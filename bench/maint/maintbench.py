"""A maintenance cycle of a simulated fleet: hangar's plan against the
seed's all-reboot baseline, same fleet, same hook, same engine.
Started by bench/maint/run, which says what the arguments are."""
import datetime, json, os, socket, subprocess, sys, time

build, state = sys.argv[1], sys.argv[2]
nhosts, nguests = int(sys.argv[3]), int(sys.argv[4])
reboot_min, scale = float(sys.argv[5]), float(sys.argv[6])
par, limit = int(sys.argv[7]), float(sys.argv[8])
hook_s = reboot_min * 60 / scale
sock = os.path.join(state, "hangard.sock")
hangar = os.path.join(build, "hangar", "hangar")
t_begin = time.monotonic()

# the fleet: every host 16 CPUs / 80 GiB / 2 TiB, 20 guests of these
# plans in turn (RAM and disk GiB), so hosts are a bit under half full
PLANS = [("micro", 0.5, 10), ("small", 1, 20), ("medium", 2, 40),
         ("large", 4, 80)]
HOST_RAM_GIB = 80
MIGRATE_S_PER_GIB = 2      # the planner's model (plan/maint.c), ~4 Gbit/s,
                           # RAM and disk (hangard copies storage by default)


def left():
    """Seconds left of the run's budget: every wait is bounded by it."""
    r = limit - (time.monotonic() - t_begin)
    if r <= 0:
        sys.exit("out of time (LIMIT=%d s)" % limit)
    return r


class Conn:
    """One client of hangard's socket (JSON lines)."""

    def __init__(self):
        for _ in range(200):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(sock)
                break
            except OSError:
                self.s.close()
                time.sleep(0.05)
        else:
            sys.exit("hangard did not open %s" % sock)
        self.s.settimeout(left())
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
        return r["result"]

    def call(self, method, params=None):
        self.send(method, params or {})
        self.f.flush()
        return self.recv(method)

    def many(self, method, plist, depth=32):
        """Pipelined calls, up to depth requests out before reading."""
        out, sent = [], 0
        while len(out) < len(plist):
            while sent < len(plist) and sent - len(out) < depth:
                self.send(method, plist[sent])
                sent += 1
            self.f.flush()
            out.append(self.recv(method))
        return out


def cli(*args):
    """hangar --json ARGS, bounded: (its answer, seconds it took)."""
    t = time.monotonic()
    try:
        p = subprocess.run([hangar, "-s", state, "--json"] + list(args),
                           capture_output=True, text=True, timeout=left())
    except subprocess.TimeoutExpired:
        sys.exit("hangar %s: out of time (LIMIT=%d s)" % (" ".join(args), limit))
    if p.returncode != 0:
        sys.exit("hangar %s: exit %d: %s" % (" ".join(args), p.returncode,
                                             p.stderr.strip()))
    return json.loads(p.stdout), time.monotonic() - t


def node_xml(path):
    with open(path, "w") as f:
        f.write("<node><cpu><mhz>2400</mhz><model>x86_64</model><active>16</active>"
                "<nodes>1</nodes><sockets>1</sockets><cores>16</cores><threads>1</threads>"
                "</cpu><memory>%d</memory></node>\n" % (HOST_RAM_GIB << 20))


def build_fleet(c):
    hosts = []
    for i in range(nhosts):
        p = os.path.join(state, "h%04d.xml" % i)
        node_xml(p)
        hosts.append({"name": "h%04d" % i, "uri": "test://" + p,
                      "disk": "2T", "disk_kind": "ssd"})
    c.many("host.add", hosts)
    ncust = max(1, nguests // 20)
    c.many("customer.add", [{"name": "c%04d" % k} for k in range(ncust)])
    per = max(1, nguests // nhosts)
    home, ram = {}, {}
    gl = []
    for g in range(nguests):
        name = "g%05d" % g
        home[name] = "h%04d" % (g // per % nhosts)
        ram[name] = PLANS[g % len(PLANS)][1:]
        gl.append({"name": name, "owner": "c%04d" % (g % ncust),
                   "plan": PLANS[g % len(PLANS)][0], "host": home[name],
                   "start": True})
    c.many("guest.create", gl)
    used = sum(r for r, _ in ram.values()) / nhosts
    return home, ram, per, used


def stamp(s):
    """The journal's UTC time (ms) as seconds since the epoch."""
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def pct(v, p):
    """Nearest-rank percentile of a sorted list."""
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))
    return v[k]


def median(v):
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def host_figures(steps, ram):
    """Per host, from the journal: hook, downtime, path (seconds), window."""
    by_host = {}
    for s in steps:
        by_host.setdefault(s["host"], []).append(s)
    hosts = {}
    for h, ss in by_host.items():
        k = {s["kind"]: s for s in ss if not s["guest"]}
        hosts[h] = {
            "win": k["mark"]["window"],
            "begin": stamp(k["mark"]["started"]),
            "end": stamp(k["unmark"]["ended"]),
            "hook": stamp(k["patch"]["ended"]) - stamp(k["patch"]["started"]),
            "down": stamp(k["wait-up"]["ended"]) - stamp(k["patch"]["started"]),
            "mig": sum(MIGRATE_S_PER_GIB * sum(ram[s["guest"]]) for s in ss
                       if s["kind"] in ("migrate-out", "migrate-back")),
        }
    return hosts


def wall_scaled(steps, hosts, modelled):
    """The run's wall clock scaled back, without and with migration time.

    Windows run one after another, a window's hosts in parallel: each
    window takes its slowest host's path (mark .. unmark) with the hook
    replaced by the modelled reboot; what lies between windows is kept.
    """
    t0 = min(stamp(s["started"]) for s in steps if "started" in s)
    t1 = max(stamp(s["ended"]) for s in steps if "ended" in s)
    wins = {}
    for x in hosts.values():
        w = wins.setdefault(x["win"], [x["begin"], x["end"], 0, 0])
        w[0], w[1] = min(w[0], x["begin"]), max(w[1], x["end"])
        path = x["end"] - x["begin"] - x["hook"] + modelled
        w[2], w[3] = max(w[2], path), max(w[3], path + x["mig"])
    gaps = (t1 - t0) - sum(w[1] - w[0] for w in wins.values())
    return (t1 - t0, len(wins), sum(w[2] for w in wins.values()) + gaps,
            sum(w[3] for w in wins.values()) + gaps)


def figures(rep, ram):
    """Measured and scaled-back figures of one run's report and journal.

    Scaled back: each host's patch hook (the modelled reboot, scaled down)
    is replaced by the modelled reboot itself.  A guest that rebooted with
    its host was down through the hook, so the same goes for it; a
    live-migrated guest's pause does not include the hook.  "With
    migrations" also adds the planner's 2 s/GiB of RAM and disk for each
    migration a host waits for (the test driver moves a guest in
    milliseconds), one after the other as hangard runs them.
    """
    modelled = reboot_min * 60
    hosts = host_figures(rep["steps"], ram)
    journal_s, nwin, wall_s, wall_mig_s = wall_scaled(rep["steps"], hosts,
                                                      modelled)
    g_meas, g_scaled, how = [], [], {}
    for g in rep["guests"]:
        how[g["action"]] = how.get(g["action"], 0) + 1
        if g["action"] == "was off" or g["downtime_ms"] is None:
            continue
        t = g["downtime_ms"] / 1000
        g_meas.append(t)
        g_scaled.append(t - hosts[g["host"]]["hook"] + modelled
                        if g["action"] == "reboot" else t)
    return {
        "windows": nwin, "journal_s": journal_s, "how": how,
        "unmeasured": sum(1 for g in rep["guests"] if not g["measured"]),
        "wall_scaled_s": wall_s, "wall_mig_s": wall_mig_s,
        "g": sorted(g_meas), "g_scaled": sorted(g_scaled),
        "hd": sorted(x["down"] for x in hosts.values()),
        "hd_scaled": sorted(x["down"] - x["hook"] + modelled
                            for x in hosts.values()),
    }


def check_home(c, home):
    """Every guest back on its own host and running, as hangard sees it."""
    rows = c.call("guest.list")
    if isinstance(rows, dict):
        rows = rows.get("rows", rows.get("guests"))
    if rows and isinstance(rows[0], list):
        rows = [dict(zip(rows[0], v)) for v in rows[1:]]
    bad = [r["name"] for r in rows
           if home.get(r["name"]) != r["host"] or r["state"] != "running"]
    if len(rows) != len(home) or bad:
        sys.exit("after the cycle: %d guests listed, %d not home or not "
                 "running (first: %s)" % (len(rows), len(bad), bad[:3]))


def plan(c, adv):
    c.call("advisory.add", {"id": adv, "title": "bench", "affects": "test < 1"})
    return cli("maint", "plan", adv, "--start", "2030-01-07T06:00Z",
               "--window", "4h", "--max-parallel", str(par))


def run(c, home, ram):
    rep, wall = cli("maint", "run", "--wait")
    if rep.get("state") != "done" or rep.get("steps_failed"):
        sys.exit("the cycle did not finish: state %s, %s failed: %s" % (
            rep.get("state"), rep.get("steps_failed"), rep.get("error")))
    check_home(c, home)
    f = figures(rep, ram)
    f["wall_s"] = wall
    f["steps"] = rep["steps_total"]
    return f


def hms(s):
    return "%d:%02d:%02d" % (s // 3600, s % 3600 // 60, s % 60)


def dur(s):
    """A duration in the unit that reads best."""
    if s < 1:
        return "%.0f ms" % (s * 1000) if s >= 0.01 else "%.1f ms" % (s * 1000)
    if s < 120:
        return "%.2f s" % s
    return "%.1f min" % (s / 60)


def report(a, b, plan_a, plan_s, choose_s):
    def row(label, fa, fb, unit=""):
        print("  %-40s %20s %20s" % (label, fa, fb) + unit)

    def ratio(x, y):
        return "%.0fx" % (y / x) if x > 0 else "inf (A is 0)"

    ma, mb = median(a["g"]), median(b["g"])
    sa, sb = median(a["g_scaled"]), median(b["g_scaled"])
    print()
    print("A = hangar's plan (%d windows, --max-parallel %d, planned in %.2f s; "
          "the planner's estimate, its 5 min reboots: %s)" % (
              a["windows"], par, plan_s,
              hms(sum(w["estimate_s"] for w in plan_a["windows"]))))
    print("B = the seed's all-reboot baseline: same fleet, hook and engine, every "
          "customer chose reboot (%d maint.choose in %.1f s)" % (
              sum(b["how"].values()), choose_s))
    print()
    print("measured (hook %.3f s for a %g min reboot)" % (hook_s, reboot_min))
    row("", "A (hangar)", "B (all reboot)")
    row("wall clock, maint run --wait", "%.1f s" % a["wall_s"], "%.1f s" % b["wall_s"])
    row("journal: first step .. last step", "%.1f s" % a["journal_s"], "%.1f s" % b["journal_s"])
    row("steps", a["steps"], b["steps"])
    row("guests live-migrated / rebooted",
        "%d / %d" % (a["how"].get("live-migrate", 0), a["how"].get("reboot", 0)),
        "%d / %d" % (b["how"].get("live-migrate", 0), b["how"].get("reboot", 0)))
    row("guest downtime median", dur(ma), dur(mb))
    row("guest downtime p99", dur(pct(a["g"], 99)), dur(pct(b["g"], 99)))
    row("guest downtime max", dur(a["g"][-1]), dur(b["g"][-1]))
    row("host downtime avg", dur(sum(a["hd"]) / len(a["hd"])),
        dur(sum(b["hd"]) / len(b["hd"])))
    row("host downtime longest / shortest",
        "%s / %s" % (dur(a["hd"][-1]), dur(a["hd"][0])),
        "%s / %s" % (dur(b["hd"][-1]), dur(b["hd"][0])))
    print("  ratio B/A: median %s, max %s" % (ratio(ma, mb), ratio(a["g"][-1], b["g"][-1])))
    print()
    print("scaled back (each hook replaced by the %g min reboot it stands for)" % reboot_min)
    row("wall clock", hms(a["wall_scaled_s"]), hms(b["wall_scaled_s"]))
    row("  + migrations at 2 s/GiB (RAM+disk)", hms(a["wall_mig_s"]), hms(b["wall_mig_s"]))
    row("guest downtime median", dur(sa), dur(sb))
    row("guest downtime p99", dur(pct(a["g_scaled"], 99)), dur(pct(b["g_scaled"], 99)))
    row("guest downtime max", dur(a["g_scaled"][-1]), dur(b["g_scaled"][-1]))
    row("host downtime avg", dur(sum(a["hd_scaled"]) / len(a["hd_scaled"])),
        dur(sum(b["hd_scaled"]) / len(b["hd_scaled"])))
    row("host downtime longest / shortest",
        "%s / %s" % (dur(a["hd_scaled"][-1]), dur(a["hd_scaled"][0])),
        "%s / %s" % (dur(b["hd_scaled"][-1]), dur(b["hd_scaled"][0])))
    print("  ratio B/A: median %s, max %s" % (ratio(sa, sb),
                                             ratio(a["g_scaled"][-1], b["g_scaled"][-1])))
    print()
    print("target: median guest downtime < 0.5 s where capacity allows live "
          "migration: %s (A's median %.3f s; %d of %d guests live-migrated)" % (
              "HOLDS" if ma < 0.5 else "MISSED", ma,
              a["how"].get("live-migrate", 0), sum(a["how"].values())))
    print("  note: a test-driver pause is hangard suspending the guest and "
          "defining and starting it on the target in-process, not QEMU's "
          "stop-and-copy; %d pauses were not measured" % a["unmeasured"])


def main():
    c = Conn()
    t = time.monotonic()
    home, ram, per, used = build_fleet(c)
    print("fleet: %d test-driver hosts (16 CPUs, %d GiB), %d guests running, %d a "
          "host (micro/small/medium/large in turn: %.1f GiB, %.0f%% of RAM), built "
          "in %.1f s" % (nhosts, HOST_RAM_GIB, nguests, per, used,
                         100 * used / HOST_RAM_GIB, time.monotonic() - t))
    print("reboot modelled as %g min, scaled 1:%g: the patch hook sleeps %.3f s; "
          "--max-parallel %d; budget %d s" % (reboot_min, scale, hook_s, par, limit))
    sys.stdout.flush()
    plan_a, plan_s = plan(c, "BENCH-A")
    a = run(c, home, ram)
    print("run A done in %.1f s" % a["wall_s"])
    sys.stdout.flush()
    plan_b, _ = plan(c, "BENCH-B")
    t = time.monotonic()
    c.many("maint.choose", [{"name": g["guest"], "action": "reboot"}
                            for g in plan_b["guests"]])
    choose_s = time.monotonic() - t
    b = run(c, home, ram)
    print("run B done in %.1f s" % b["wall_s"])
    report(a, b, plan_a, plan_s, choose_s)
    print("total %.0f s" % (time.monotonic() - t_begin))


main()
