"""A maintenance cycle of a simulated fleet, run three ways by the same
engine on the same fleet: the seed's all-reboot cycle, hangar rolling
back (every guest live-migrated out and back) and hangar rolling forward
(each guest moved once, to a host patched before it, the next hosts
evacuating while others reboot); with the floor for this fleet.
Started by bench/maint/run, which says what the arguments are."""
import datetime, json, os, socket, subprocess, sys, time

build, state = sys.argv[1], sys.argv[2]
nhosts, nguests = int(sys.argv[3]), int(sys.argv[4])
reboot_min, scale = float(sys.argv[5]), float(sys.argv[6])
par, limit = int(sys.argv[7]), float(sys.argv[8])
free, per_link = float(sys.argv[9]), int(sys.argv[10])
hook_s = reboot_min * 60 / scale
sock = os.path.join(state, "hangard.sock")
hangar = os.path.join(build, "hangar", "hangar")
t_begin = time.monotonic()

# the fleet: every host 16 CPUs / 2 TiB, the same number of guests each,
# of these plans in turn (RAM and disk GiB), the hosts' RAM sized so that
# a share `free` of the fleet's RAM is free (bench/planner/gen.py
# --shape maint makes the same fleet for hangar-plan)
PLANS = [("micro", 0.5, 10), ("small", 1, 20), ("medium", 2, 40),
         ("large", 4, 80)]
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


def node_xml(path, ram_mib):
    with open(path, "w") as f:
        f.write("<node><cpu><mhz>2400</mhz><model>x86_64</model><active>16</active>"
                "<nodes>1</nodes><sockets>1</sockets><cores>16</cores><threads>1</threads>"
                "</cpu><memory>%d</memory></node>\n" % (ram_mib << 10))


def build_fleet(c):
    per = max(1, nguests // nhosts)
    used = sum(PLANS[g % len(PLANS)][1] for g in range(per))  # GiB a host
    ram_mib = int(used * 1024 / (1 - free)) + 1
    hosts = []
    for i in range(nhosts):
        p = os.path.join(state, "h%04d.xml" % i)
        node_xml(p, ram_mib)
        hosts.append({"name": "h%04d" % i, "uri": "test://" + p,
                      "disk": "2T", "disk_kind": "ssd"})
    c.many("host.add", hosts)
    ncust = max(1, nguests // 20)
    c.many("customer.add", [{"name": "c%04d" % k} for k in range(ncust)])
    home, gl = {}, []
    for g in range(nguests):
        name = "g%05d" % g
        home[name] = "h%04d" % (g // per % nhosts)
        gl.append({"name": name, "owner": "c%04d" % (g % ncust),
                   "plan": PLANS[g % len(PLANS)][0], "host": home[name],
                   "start": True})
    c.many("guest.create", gl)
    return home, per, used, ram_mib


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


def placement(c):
    rows = c.call("guest.list")
    if isinstance(rows, dict):
        rows = rows.get("rows", rows.get("guests"))
    if rows and isinstance(rows[0], list):
        rows = [dict(zip(rows[0], v)) for v in rows[1:]]
    return {r["name"]: (r["host"], r["state"]) for r in rows}


def check_after(c, rep, home, roll):
    """Every guest running, where the report says (home, rolling back)."""
    where = placement(c)
    if roll in ("forward", "allreboot") and rep.get("roll") == "forward":
        want = {g["guest"]: g["ended_on"] for g in rep["guests"]}
        bad = [n for n, (h, s) in where.items()
               if s != "running" or want.get(n, h) != h]
    else:
        bad = [n for n, (h, s) in where.items()
               if home.get(n) != h or s != "running"]
    if len(where) != len(home) or bad:
        sys.exit("after the %s cycle: %d guests listed, %d misplaced or not "
                 "running (first: %s)" % (roll, len(where), len(bad), bad[:3]))


def plan(c, adv, roll):
    c.call("advisory.add", {"id": adv, "title": "bench", "affects": "test < 1"})
    p, secs = cli("maint", "plan", adv, "--start", "2030-01-07T06:00Z",
                  "--window", "24h", "--max-parallel", str(par),
                  "--reboot-time", "%ds" % int(reboot_min * 60),
                  "--roll", roll, *(["--per-link", str(per_link)]
                                    if roll == "forward" else []))
    return p, secs


def figures(rep):
    """Measured and scaled-back figures of one run's report.

    The patch hook sleeps the modelled reboot scaled down, and the test
    driver's migrations take the modelled time scaled down too
    (test_migrate_us_per_gib), so the whole run is the modelled cycle
    scaled down: its wall clock times scale is the cycle's, hangard's own
    time per step included.  A guest that rebooted was down through the
    hook (scaled back the same way); a live-migrated guest's pause is the
    test driver's own and is not scaled.
    """
    st = rep["steps"]
    hook = {s["host"]: stamp(s["ended"]) - stamp(s["started"])
            for s in st if s["kind"] == "patch" and "ended" in s}
    # each guest's migrations done, counted from the journal itself
    moved = {}
    for s in st:
        if s["kind"].startswith("migrate") and s["state"] == "done" and \
                not s["detail"].startswith("skipped"):
            moved[s["guest"]] = moved.get(s["guest"], 0) + 1
    g_meas, g_scaled, how = [], [], {}
    for g in rep["guests"]:
        how[g["action"]] = how.get(g["action"], 0) + 1
        if g["action"] == "was off" or g["downtime_ms"] is None:
            continue
        t = g["downtime_ms"] / 1000
        g_meas.append(t)
        if g["action"] == "reboot":
            h = g.get("ended_on", g["host"])
            t = t - hook.get(h, 0) + reboot_min * 60
        g_scaled.append(t)
    wall = rep["wall_ms"] / 1000
    return {"wall": wall, "wall_scaled": wall * scale, "how": how,
            "migrations": sum(moved.values()),
            "once": sum(1 for v in moved.values() if v == 1),
            "twice": sum(1 for v in moved.values() if v > 1),
            "g": sorted(g_meas), "g_scaled": sorted(g_scaled),
            "steps": rep["steps_total"],
            "unmeasured": sum(1 for g in rep["guests"] if not g["measured"])}


def run(c, home, roll):
    rep, secs = cli("maint", "run", "--wait")
    if rep.get("state") != "done" or rep.get("steps_failed"):
        sys.exit("the cycle did not finish: state %s, %s failed: %s" % (
            rep.get("state"), rep.get("steps_failed"), rep.get("error")))
    check_after(c, rep, home, roll)
    f = figures(rep)
    f["cli_s"] = secs
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


def report(runs, plans, floor):
    names = [("allreboot", "all-reboot"), ("back", "rolling back"),
             ("forward", "rolling forward")]

    def row(label, vals):
        print("  %-36s" % label + "".join("%18s" % v for v in vals))

    print()
    row("", [n for _, n in names])
    row("plan's estimate", [hms(plans[k]["summary"]["total_s"])
                            for k, _ in names])
    row("  / the floor (%s)" % hms(floor),
        ["%.2fx" % (plans[k]["summary"]["total_s"] / floor)
         for k, _ in names])
    row("wall clock, measured", ["%.1f s" % runs[k]["wall"] for k, _ in names])
    row("wall clock, scaled back", [hms(runs[k]["wall_scaled"]) for k, _ in names])
    row("  / the floor (%s)" % hms(floor),
        ["%.2fx" % (runs[k]["wall_scaled"] / floor) for k, _ in names])
    row("  / the all-reboot cycle",
        ["%.2fx" % (runs[k]["wall_scaled"] / runs["allreboot"]["wall_scaled"])
         for k, _ in names])
    row("steps", [runs[k]["steps"] for k, _ in names])
    row("migrations", [runs[k]["migrations"] for k, _ in names])
    row("guests moved once / more often",
        ["%d / %d" % (runs[k]["once"], runs[k]["twice"]) for k, _ in names])
    row("guests live-migrated / rebooted",
        ["%d / %d" % (runs[k]["how"].get("live-migrate", 0),
                      runs[k]["how"].get("reboot", 0)) for k, _ in names])
    row("guest downtime median, measured",
        [dur(median(runs[k]["g"])) for k, _ in names])
    row("guest downtime median, scaled back",
        [dur(median(runs[k]["g_scaled"])) for k, _ in names])
    row("guest downtime p99, scaled back",
        [dur(pct(runs[k]["g_scaled"], 99)) for k, _ in names])
    row("guest downtime max, scaled back",
        [dur(runs[k]["g_scaled"][-1]) for k, _ in names])
    fw, ar = runs["forward"], runs["allreboot"]
    rf, ra = fw["wall_scaled"] / floor, fw["wall_scaled"] / ar["wall_scaled"]
    mg = median(fw["g_scaled"])
    print("  (scaled back = measured x %g: hangard's own work between steps, "
          "which does not\n  grow with a real reboot or migration, is scaled "
          "up with it)" % scale)
    print()
    print("targets (rolling forward, as run):")
    print("  within 1.3x of the floor:        %s (%.2fx)" % (
        "HOLDS" if rf <= 1.3 else "MISSED", rf))
    print("  under 3x the all-reboot cycle:   %s (%.2fx)" % (
        "HOLDS" if ra < 3 else "MISSED", ra))
    print("  guest downtime median < 0.5 s:   %s (%s)" % (
        "HOLDS" if mg < 0.5 else "MISSED", dur(mg)))
    print("  note: a test-driver pause is hangard suspending the guest and "
          "defining and starting it on the target in-process, not QEMU's "
          "stop-and-copy; %d pauses were not measured" % fw["unmeasured"])


def main():
    c = Conn()
    t = time.monotonic()
    home, per, used, ram_mib = build_fleet(c)
    print("fleet: %d test-driver hosts (16 CPUs, %d MiB RAM, 2 TiB), %d guests "
          "running, %d a host (micro/small/medium/large in turn: %.1f GiB, "
          "%.0f%% of RAM), built in %.1f s" % (
              nhosts, ram_mib, nguests, per, used,
              100 * used * 1024 / ram_mib, time.monotonic() - t))
    print("reboot modelled as %g min and migrations as %d s/GiB of RAM and disk, "
          "scaled 1:%g (the hook sleeps %.3f s); --max-parallel %d, --per-link "
          "%d; budget %d s" % (reboot_min, MIGRATE_S_PER_GIB, scale, hook_s,
                                par, per_link, limit))
    sys.stdout.flush()
    runs, plans = {}, {}
    # all-reboot and rolling back leave every guest home: the same fleet
    # for the third, which moves them for good.  The all-reboot cycle:
    # every guest pinned to offline moves, so the planner reboots them
    # all with their hosts, --max-parallel hosts at once
    t = time.monotonic()
    c.many("guest.set_migration", [{"name": n, "mode": "offline"}
                                   for n in home])
    print("all-reboot: every guest pinned to reboot with its host (%d "
          "guest.set_migration in %.1f s)" % (len(home), time.monotonic() - t))
    plans["allreboot"], _ = plan(c, "BENCH-A", "forward")
    runs["allreboot"] = run(c, home, "allreboot")
    c.many("guest.set_migration", [{"name": n, "mode": "live"} for n in home])
    print("run all-reboot done in %.1f s" % runs["allreboot"]["cli_s"])
    plans["back"], _ = plan(c, "BENCH-B", "back")
    runs["back"] = run(c, home, "back")
    print("run rolling back done in %.1f s" % runs["back"]["cli_s"])
    plans["forward"], secs = plan(c, "BENCH-C", "forward")
    s = plans["forward"]["summary"]
    print("rolling forward planned in %.2f s: %d batches, %d migrations, %d "
          "guests move twice (notes: %s)" % (secs, s["batches"],
                                             s["migrations"], s["moved_twice"],
                                             "; ".join(s["notes"]) or "none"))
    sys.stdout.flush()
    runs["forward"] = run(c, home, "forward")
    print("run rolling forward done in %.1f s" % runs["forward"]["cli_s"])
    report(runs, plans, s["floor_s"])
    print("total %.0f s" % (time.monotonic() - t_begin))


main()
