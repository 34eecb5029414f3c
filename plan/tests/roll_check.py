#!/usr/bin/env python3
"""Replays a roll-forward plan (hangar-plan maintenance --roll forward
--json) against its cluster file, on its own, and prints what it found or
the first rule it breaks (exit 1):

  roll_check.py CLUSTER PLAN.json REBOOT_S PER_LINK MAX_PARALLEL

- the moves, in their order and by their times: a move holds its guest's
  RAM, vCPUs and (unless onto its DRBD secondary) disk on both hosts
  while it runs; no host over RAM, disk or vCPUs at any moment;
- no host sends or receives more than PER_LINK migrations at once, and
  no more than MAX_PARALLEL hosts (0: any) reboot at once;
- a guest moves from where it is; a host reboots once, after every move
  off it and with no move into it running, for REBOOT_S seconds;
- every guest ends on a patched host: it came after that host's reboot,
  or went down with it (and then its row says "reboot");
- the summary's counts are what the moves and rows say.
"""
import json
import sys


def fleet(path):
    secs = open(path).read().split("\n\n")
    ratio = 4.0
    if len(secs) > 4:
        for line in secs[4].splitlines():
            c = line.split("|")
            if len(c) > 4 and c[0] == "":
                ratio = float(c[4])
    cap, guests = {}, {}
    for line in secs[1].splitlines():
        c = line.split("|")
        cap[c[0]] = [int(c[1]) - int(c[2]), int(c[4]),
                     int(float(c[6]) * ratio + 1e-9)]
    for line in secs[2].splitlines():
        c = line.split("|")
        sec = c[7] if c[8] == "drbd" and c[7] else None
        guests[c[0]] = {"ram": int(c[1]), "disk": int(c[2]),
                        "vcpu": int(c[3]), "host": c[6], "sec": sec}
    return cap, guests


def fail(msg):
    print("roll_check: " + msg)
    sys.exit(1)


def main():
    cap, guests = fleet(sys.argv[1])
    plan = json.load(open(sys.argv[2]))
    reboot, per_link, maxp = (float(sys.argv[3]), int(sys.argv[4]),
                              int(sys.argv[5]))
    s = plan["summary"]
    if s["mode"] != "forward":
        fail("not a forward plan")
    use = {h: [0, 0, 0] for h in cap}
    cur = {}
    for n, g in guests.items():
        cur[n] = [g["host"], g["sec"]]
        use[g["host"]][0] += g["ram"]
        use[g["host"]][1] += g["disk"]
        use[g["host"]][2] += g["vcpu"]
        if g["sec"]:
            use[g["sec"]][1] += g["disk"]
    slot = {h["host"]: h for h in plan["hosts"]}
    rows = {g["guest"]: g for b in plan["batches"] for g in b["guests"]}
    for h in slot.values():
        if abs(h["reboot_end_s"] - h["reboot_start_s"] - reboot) > 1e-6:
            fail("%s reboots for %g s" % (h["host"], h["reboot_end_s"] -
                                          h["reboot_start_s"]))
    # events: (time, order, ...): moves end, reboots end, moves start,
    # reboots start; a move of no length ends after it starts
    ev = []
    for i, m in enumerate(plan["moves"]):
        if i > 0 and m["start_s"] < plan["moves"][i - 1]["start_s"]:
            fail("move %d is listed out of order" % m["step"])
        ev.append((m["start_s"], 2, i, 0))
        ev.append((m["end_s"], 0, i, 1))
    for h in slot.values():
        ev.append((h["reboot_end_s"], 1, h["host"], 0))
        ev.append((h["reboot_start_s"], 3, h["host"], 0))
    ev.sort(key=lambda e: (e[0], e[1] if e[1] != 0 or
                           plan["moves"][e[2]]["end_s"] >
                           plan["moves"][e[2]]["start_s"] else 2.5,
                           str(e[2])))
    state = {h: "up" for h in slot}
    sending = {h: 0 for h in cap}
    recving = {h: 0 for h in cap}
    flight, patched, down, nmoves = {}, {}, {}, {}
    on = {h: set() for h in cap}
    for n in guests:
        on[cur[n][0]].add(n)
    rebooting = 0
    for t, kind, x, _ in ev:
        if kind == 2:
            m = plan["moves"][x]
            g, n = guests[m["guest"]], m["guest"]
            if n in flight or cur[n][0] != m["from"]:
                fail("move %d: %s is not on %s" % (m["step"], n, m["from"]))
            if state.get(m["from"]) != "up" or state.get(m["to"]) == "down":
                fail("move %d: a host reboots" % m["step"])
            swap = m["to"] == cur[n][1]
            use[m["to"]][0] += g["ram"]
            use[m["to"]][2] += g["vcpu"]
            if not swap:
                use[m["to"]][1] += g["disk"]
            if any(use[m["to"]][k] > cap[m["to"]][k] for k in range(3)):
                fail("move %d puts %s over capacity" % (m["step"], m["to"]))
            sending[m["from"]] += 1
            recving[m["to"]] += 1
            if sending[m["from"]] > per_link or recving[m["to"]] > per_link:
                fail("move %d: more than %d at once on a link" %
                     (m["step"], per_link))
            flight[n] = swap
            nmoves[n] = nmoves.get(n, 0) + 1
        elif kind == 0:
            m = plan["moves"][x]
            g, n = guests[m["guest"]], m["guest"]
            swap = flight.pop(n)
            use[m["from"]][0] -= g["ram"]
            use[m["from"]][2] -= g["vcpu"]
            if swap:
                cur[n][1] = m["from"]
            else:
                use[m["from"]][1] -= g["disk"]
            cur[n][0] = m["to"]
            on[m["from"]].discard(n)
            on[m["to"]].add(n)
            sending[m["from"]] -= 1
            recving[m["to"]] -= 1
            patched[n] = state[m["to"]] == "patched"
        elif kind == 3:
            if state[x] != "up" or sending[x] or recving[x]:
                fail("%s reboots with a migration running" % x)
            rebooting += 1
            if maxp and reboot > 0 and rebooting > maxp:
                fail("more than %d hosts reboot at once" % maxp)
            state[x] = "down"
            for n in on[x]:
                if n not in flight:
                    if rows[n]["action"] != "reboot":
                        fail("%s reboots under %s" % (x, n))
                    down[n] = x
        else:
            if reboot > 0:
                rebooting -= 1
            state[x] = "patched"
            for n in on[x]:
                patched[n] = True
    for n, r in rows.items():
        if not patched.get(n):
            fail("%s does not end on a patched host" % n)
        if r["end_host"] != cur[n][0] or r["moves"] != nmoves.get(n, 0):
            fail("%s: its row differs from the moves" % n)
    if (sum(1 for r in rows.values() if r["moves"] > 1) != s["moved_twice"]
            or len(plan["moves"]) != s["migrations"]
            or len(down) != s["rebooted"]):
        fail("the summary's counts differ")
    print("ok guests=%d moves=%d twice=%d down=%d total_s=%.0f" % (
        len(rows), len(plan["moves"]), s["moved_twice"], len(down),
        s["total_s"]))


if __name__ == "__main__":
    main()
