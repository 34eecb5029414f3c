#!/usr/bin/env python3
"""hangar-plan of one build against another's, on the same fleets.

    bench/planner/vs.py OLD_BUILD NEW_BUILD [--sizes 2000/40000]
        [--rounds 15] [--seed 1] [--groups N] [--offline F]

Each BUILD is a meson build dir with plan/hangar-plan (make both release
builds: meson setup DIR --buildtype=release).  The fleet is gen.py's
(bench/planner/run's); the plans are run's: consolidation (every
stor:hdd host emptied), --pack, maintenance rolled back and forward,
each also with a tenth of the hosts at once and 50 % of a customer's
guests.  The two builds take turns, run after run, ROUNDS times each,
so that the machine's load falls on both alike; per plan this prints
the fastest wall time and the least CPU time (user + system) of each,
the ratios NEW/OLD of both, and whether the two made the same plan (the same JSON, fields that
only one build prints aside).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def plans(nh):
    cap = str((nh + 9) // 10)
    lim = ["--max-parallel", cap, "--max-customer-down", "50"]
    return [
        ("consolidate --retire stor:hdd",
         ["consolidate", "--retire", "stor:hdd"]),
        ("consolidate --pack", ["consolidate", "--pack"]),
        ("maintenance", ["maintenance"]),
        ("maintenance <=%s, <=50%%/cust" % cap, ["maintenance"] + lim),
        ("maintenance --roll forward",
         ["maintenance", "--roll", "forward"]),
        ("--roll forward <=%s, <=50%%/cust" % cap,
         ["maintenance", "--roll", "forward"] + lim),
    ]


def run(binary, args, fleet, out):
    """(wall, CPU) seconds of one run, its stdout in out (exit 0 or 1
    only).  CPU (user + system, both threads) is what the machine's
    other load disturbs least."""
    with open(out, "wb") as fo:
        t0 = time.monotonic_ns()
        p = subprocess.Popen([binary] + args + ["-t", fleet, "--json"],
                             stdout=fo, stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.monotonic_ns()
    st = os.waitstatus_to_exitcode(status)
    if st not in (0, 1):
        sys.exit("vs.py: %s %s: exit %d" % (binary, " ".join(args), st))
    return (t1 - t0) / 1e9, ru.ru_utime + ru.ru_stime


def alike(x, y):
    """The same JSON, fields only one of them has aside (a build may
    print more of a plan than the other)."""
    if isinstance(x, dict) and isinstance(y, dict):
        return all(alike(x[k], y[k]) for k in x.keys() & y.keys())
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(map(alike, x, y))
    return x == y


def same_plan(a, b):
    with open(a) as fa, open(b) as fb:
        return alike(json.load(fa), json.load(fb))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--sizes", default="2000/40000")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--groups", type=int, default=1)
    ap.add_argument("--offline", type=float, default=0.0)
    a = ap.parse_args()
    bins = []
    for b in (a.old, a.new):
        path = os.path.join(b, "plan", "hangar-plan")
        if not os.access(path, os.X_OK):
            sys.exit("vs.py: no %s" % path)
        bins.append(path)
    print("hangar-plan, old: %s; new: %s" % tuple(bins))
    print("%d rounds, the builds taking turns; seed %d, %d node group(s), "
          "%g of hosts offline; %d cores" % (a.rounds, a.seed, a.groups,
                                            a.offline, os.cpu_count()))
    with tempfile.TemporaryDirectory() as work:
        for size in a.sizes.split():
            nh, ng = (int(x) for x in size.split("/"))
            fleet = os.path.join(work, "fleet.data")
            subprocess.run([sys.executable, os.path.join(HERE, "gen.py"),
                            "--hosts", str(nh), "--guests", str(ng),
                            "--seed", str(a.seed), "--groups",
                            str(a.groups), "--offline", str(a.offline),
                            "-o", fleet], check=True)
            print("\n== %d hosts / %d guests: seconds, the fastest of "
                  "%d runs" % (nh, ng, a.rounds))
            print("  %-34s %-15s %-15s %-15s %s" % (
                "plan", "old wall (CPU)", "new wall (CPU)",
                "new/old", "same plan"))
            for name, args in plans(nh):
                t = ([], [])
                outs = [os.path.join(work, "old.json"),
                        os.path.join(work, "new.json")]
                for r in range(a.rounds):
                    # alternate which goes first, too
                    order = (0, 1) if r % 2 == 0 else (1, 0)
                    for k in order:
                        t[k].append(run(bins[k], args, fleet, outs[k]))
                same = same_plan(outs[0], outs[1])
                w = [min(x[0] for x in tk) for tk in t]
                c = [min(x[1] for x in tk) for tk in t]
                print("  %-34s %6.4f (%.3f) %6.4f (%.3f) %5.2f (%.2f)    %s"
                      % (name, w[0], c[0], w[1], c[1], w[1] / w[0],
                         c[1] / max(c[0], 1e-3), "yes" if same else "no"))

if __name__ == "__main__":
    main()
