#!/usr/bin/env python3
"""Scores plans of hangar and of htools against the real hosts.

Every guest's disk is a local disk: it counts on its primary host (and on
its DRBD secondary), whatever the file's disk template says; RAM and vCPUs
count on the primary; a host holds t_mem - n_mem of RAM, t_dsk of disk and
threads * vcpu_ratio vCPUs.  Prints one line of key=value pairs.

  judge.py cons ORIG PLAN.json          hangar consolidate --json
  judge.py maint ORIG PLAN.json         hangar maintenance --json
  judge.py roll ORIG PLAN.json          hangar maintenance --roll forward --json
  judge.py state ORIG FINAL TAG         a final state (hbal -S), TAG = hosts
                                        that should be empty (stor:hdd)
  judge.py squeeze ORIG OUT             hsqueeze -C output (offline, moves)
  judge.py hroller ORIG OUT             hroller --print-moves output
"""

import json
import sys


class Fleet:
    def __init__(self, path):
        with open(path) as f:
            secs = f.read().split("\n\n")
        self.cap, self.tags, self.guests = {}, {}, {}
        ratio = 4.0
        if len(secs) > 4:
            for line in secs[4].splitlines():
                c = line.split("|")
                if len(c) > 4 and c[0] != "":
                    ratio = float(c[4])
        for line in secs[1].splitlines():
            c = line.split("|")
            self.cap[c[0]] = (float(c[1]) - int(c[2]), float(c[4]),
                              float(c[6]) * ratio)
            self.tags[c[0]] = c[10].split(",") if len(c) > 10 else []
        for line in secs[2].splitlines():
            c = line.split("|")
            sec = c[7] if c[8] == "drbd" and c[7] else None
            self.guests[c[0]] = [int(c[1]), int(c[2]), int(c[3]), c[6], sec,
                                 c[5] == "Y"]

    def load(self, where=None):
        """Per-host [ram, disk, vcpu] for a placement {guest: (p, s)}."""
        use = {h: [0, 0, 0] for h in self.cap}
        for name, (ram, dsk, vcpu, p, s, _) in self.guests.items():
            if where is not None and name in where:
                p, s = where[name]
            use[p][0] += ram
            use[p][1] += dsk
            use[p][2] += vcpu
            if s:
                use[s][1] += dsk
        return use

    def over(self, use, hosts=None):
        bad = 0
        for h in hosts if hosts is not None else use:
            u, c = use[h], self.cap[h]
            bad += any(u[i] > c[i] + 1e-6 for i in range(3))
        return bad

    def peak(self, use):
        m = d = 0.0
        for h, u in use.items():
            c = self.cap[h]
            m = max(m, u[0] / c[0] if c[0] else 0)
            d = max(d, u[1] / c[1] if c[1] else 0)
        return "max_ram=%.3f max_disk=%.3f" % (m, d)


def add(use, g, host, sign, disk=True):
    ram, dsk, vcpu = g[0], g[1], g[2]
    use[host][0] += sign * ram
    use[host][2] += sign * vcpu
    if disk:
        use[host][1] += sign * dsk


def cons(fl, plan):
    use = fl.load()
    bad_steps = 0
    for m in plan["moves"]:
        g = fl.guests[m["guest"]]
        if m["copy"] == "primary":
            add(use, g, m["from"], -1)
            add(use, g, m["to"], 1)
        else:
            use[m["from"]][1] -= g[1]
            use[m["to"]][1] += g[1]
        bad_steps += fl.over(use, [m["to"]])
    empty = sum(1 for h in use if use[h] == [0, 0, 0])
    return "moves=%d steps_over=%d hosts_over=%d empty=%d %s" % (
        len(plan["moves"]), bad_steps, fl.over(use), empty, fl.peak(use))


def maint(fl, plan):
    bad = reboot = mig = largest = 0
    for b in plan["batches"]:
        largest = max(largest, len(b["hosts"]))
        use = fl.load()
        down = set(b["hosts"])
        for g in b["guests"]:
            if g["action"] == "reboot":
                reboot += 1
                continue
            mig += 2
            gg = fl.guests[g["guest"]]
            if g["target"] in down:
                bad += 1
            add(use, gg, g["host"], -1)
            add(use, gg, g["target"], 1, disk=g["target"] != gg[4])
        bad += fl.over(use) > 0
    # moves: one way, as hroller counts them (guests come back after)
    return ("batches=%d largest=%d moves=%d rebooted=%d migrations=%d "
            "batches_over=%d" % (len(plan["batches"]), largest, mig // 2,
                                 reboot, mig, bad))


def roll(fl, plan):
    """A roll-forward plan replayed in time: a move holds its guest on
    both hosts while it runs; steps_over counts moves that put a host
    over, unpatched guests that end on a host not rebooted under them."""
    use = fl.load()
    where = {n: [g[3], g[4]] for n, g in fl.guests.items()}
    slot = {h["host"]: h for h in plan["hosts"]}
    ev = []
    for i, m in enumerate(plan["moves"]):
        ev.append((m["start_s"], 1, i))
        ev.append((m["end_s"], 0, i))
    ev.sort()
    over = 0
    arrived = {}
    for _, kind, i in ev:
        m = plan["moves"][i]
        g = fl.guests[m["guest"]]
        swap = m["to"] == where[m["guest"]][1]
        if kind == 1:
            add(use, g, m["to"], 1, disk=not swap)
            over += fl.over(use, [m["to"]]) > 0
        else:
            add(use, g, m["from"], -1, disk=not swap)
            if swap:
                where[m["guest"]][1] = m["from"]
            where[m["guest"]][0] = m["to"]
            arrived[m["guest"]] = m["end_s"]
    rows = [g for b in plan["batches"] for g in b["guests"]]
    unpatched = 0
    for r in rows:
        h = where[r["guest"]][0]
        if r["action"] == "reboot":
            unpatched += arrived.get(r["guest"], 0) > \
                slot[h]["reboot_start_s"]
        else:
            unpatched += arrived.get(r["guest"], -1) < \
                slot[h]["reboot_end_s"]
    s = plan["summary"]
    return ("batches=%d moves=%d twice=%d rebooted=%d steps_over=%d "
            "unpatched=%d hours=%.1f floor_h=%.1f" % (
                len(plan["batches"]), len(plan["moves"]), s["moved_twice"],
                s["rebooted"], over, unpatched, s["total_s"] / 3600,
                s["floor_s"] / 3600))


def state(fl, final_path, tag):
    fin = Fleet(final_path)
    where = {n: (g[3], g[4]) for n, g in fin.guests.items()}
    moved = sum(1 for n, g in fl.guests.items()
                if (g[3], g[4]) != where[n])
    use = fl.load(where)
    evac = {h for h, t in fl.tags.items() if tag in t}
    left = sum(1 for p, s in where.values() if p in evac or s in evac)
    empty = sum(1 for h in use if use[h] == [0, 0, 0])
    return "moves=%d left_on_retired=%d hosts_over=%d empty=%d %s" % (
        moved, left, fl.over(use), empty, fl.peak(use))


def squeeze(fl, out_path):
    off = moves = 0
    section = None
    with open(out_path) as f:
        for line in f:
            if line.startswith("'Nodes to offline'"):
                section = "off"
            elif line.startswith("'Nodes to online'"):
                section = "on"
            elif line.startswith("'") or line.startswith("Commands"):
                section = None
            elif section == "off" and line.strip():
                off += 1
            moves += "gnt-instance migrate" in line or \
                "gnt-instance failover" in line
    return "hosts_offline=%d commands=%d" % (off, moves)


def hroller(fl, out_path):
    groups = []
    with open(out_path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("'"):
                continue
            if line.startswith(" "):
                groups[-1][1].append(line.split())
            else:
                groups.append((line.split(","), []))
    bad = moves = reboot = pinned = 0
    for hosts, mv in groups:
        use = fl.load()
        moved = set()
        for parts in mv:
            g = fl.guests[parts[0]]
            add(use, g, g[3], -1)
            add(use, g, parts[1], 1)
            moved.add(parts[0])
            moves += 1
            pinned += not g[5]  # cannot live-migrate: a reboot in fact
        down = set(hosts)
        reboot += sum(1 for n, g in fl.guests.items()
                      if g[3] in down and n not in moved)
        bad += fl.over(use) > 0
    largest = max((len(h) for h, _ in groups), default=0)
    return ("batches=%d largest=%d moves=%d rebooted=%d pinned_moved=%d "
            "batches_over=%d" % (len(groups), largest, moves, reboot,
                                 pinned, bad))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    what, fl = sys.argv[1], Fleet(sys.argv[2])
    if what == "cons":
        print(cons(fl, json.load(open(sys.argv[3]))))
    elif what == "maint":
        print(maint(fl, json.load(open(sys.argv[3]))))
    elif what == "roll":
        print(roll(fl, json.load(open(sys.argv[3]))))
    elif what == "state":
        print(state(fl, sys.argv[3], sys.argv[4]))
    elif what == "squeeze":
        print(squeeze(fl, sys.argv[3]))
    elif what == "hroller":
        print(hroller(fl, sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
