#!/usr/bin/env python3
"""Synthetic VPS fleet for the planner benchmark, in htools text format.

Old HDD hosts (tag stor:hdd) run fuller than new SSD hosts (stor:ssd);
guests are VPS plans owned by customers (tag owner:NAME).  The same seed
gives the same fleet; --template only changes the disk template column
and how free disk is reported:
  plain  local disks, counted by htools (hbal/hsqueeze cannot move them)
  ext    external storage for htools (movable, disk not counted)

  gen.py --hosts 200 --guests 4000 --seed 7 --template ext -o m.data

--free F sizes the hosts' RAM instead so that a share F of the fleet's
RAM is free (every host about as full), as for the maintenance figures.
--shape maint makes bench/maint's fleet instead: alike hosts (16 threads,
2 TiB of disk) with the same number of guests each, of its four plans in
turn (0.5, 1, 2, 4 GiB RAM with 10, 20, 40, 80 GiB of local disk), the
hosts' RAM sized by --free (default 0.1).

--groups N spreads the hosts over N node groups (host i in group i mod
N: each group as mixed as the fleet), --offline F takes a share F of
the hosts offline (role Y, every 1/F-th, never the master); neither
changes anything else of the fleet.
"""

import argparse
import heapq
import random
import sys

# name, RAM GiB, threads, disk GB, weight
HDD_MODELS = [("h32", 32, 8, 2000, 3), ("h48", 48, 12, 3000, 4),
              ("h64", 64, 16, 4000, 3)]
SSD_MODELS = [("s96", 96, 24, 1920, 3), ("s128", 128, 32, 3840, 4),
              ("s192", 192, 48, 7680, 3)]
# VPS plans: RAM MiB, vCPUs, disk GiB, weight
PLANS = [(512, 1, 10, 14), (1024, 1, 25, 24), (2048, 1, 50, 24),
         (4096, 2, 80, 18), (8192, 4, 160, 10), (16384, 8, 320, 4),
         (2048, 2, 400, 3)]
HOST_MIB = {"hdd": 2048, "ssd": 4096}     # RAM the host keeps for itself
FILL = {"hdd": 0.76, "ssd": 0.56}         # RAM share each kind aims at
MAX_RAM, MAX_DISK, VCPU_RATIO = 0.95, 0.88, 4.0


def pick(rng, items, w):
    return rng.choices(items, weights=[i[w] for i in items])[0]


def make_hosts(rng, n, hdd_share):
    n_hdd = max(1, min(n - 1, round(n * hdd_share))) if n > 1 else 0
    hosts = []
    for i in range(n):
        kind = "hdd" if i < n_hdd else "ssd"
        num = i + 1 if kind == "hdd" else i - n_hdd + 1
        model, ram, cpus, disk_gb, _ = pick(
            rng, HDD_MODELS if kind == "hdd" else SSD_MODELS, 4)
        hosts.append({"name": "%s%05d" % (kind, num), "kind": kind,
                      "model": model, "tmem": ram * 1024,
                      "nmem": HOST_MIB[kind],
                      "tdsk": disk_gb * 1000 * 1000 // 1024 * 95 // 100,
                      "cpus": cpus, "mem": 0, "dsk": 0, "vcpu": 0})
    return hosts


def resize(hosts, guests, free):
    """Host RAM scaled so that a share `free` of it is left free."""
    total = sum(g["mem"] for g in guests)
    usable = sum(h["tmem"] - h["nmem"] for h in hosts)
    scale = total / ((1.0 - free) * usable)
    for h in hosts:
        h["tmem"] = h["nmem"] + int((h["tmem"] - h["nmem"]) * scale)
        h["fill"] = 1.0


def place(rng, hosts, guests):
    """Biggest guests first, each on the host furthest below its aim."""
    total = sum(g["mem"] for g in guests)
    aim = sum((h["tmem"] - h["nmem"]) * h.get("fill", FILL[h["kind"]])
              for h in hosts)
    scale = total / aim if aim else 1.0
    heap = []
    for i, h in enumerate(hosts):
        h["aim"] = ((h["tmem"] - h["nmem"]) * h.get("fill", FILL[h["kind"]]) *
                    scale * 1.02)
        heapq.heappush(heap, (-h["aim"], rng.random(), i))
    for g in sorted(guests, key=lambda g: (-g["mem"], -g["dsk"], g["name"])):
        skipped = []
        while heap:
            key, tie, i = heapq.heappop(heap)
            h = hosts[i]
            if (h["mem"] + g["mem"] <= MAX_RAM * (h["tmem"] - h["nmem"])
                    and h["dsk"] + g["dsk"] <= MAX_DISK * h["tdsk"]
                    and h["vcpu"] + g["vcpu"] <= VCPU_RATIO * h["cpus"]):
                h["mem"] += g["mem"]
                h["dsk"] += g["dsk"]
                h["vcpu"] += g["vcpu"]
                g["host"] = h["name"]
                heapq.heappush(heap, (-(h["aim"] - h["mem"]), tie, i))
                break
            skipped.append((key, tie, i))
        else:
            sys.exit("gen.py: %s does not fit: too many guests for the "
                     "hosts" % g["name"])
        for s in skipped:
            heapq.heappush(heap, s)


# bench/maint's plans: name, RAM GiB, disk GiB
MAINT_PLANS = [("micro", 0.5, 10), ("small", 1, 20), ("medium", 2, 40),
               ("large", 4, 80)]


def maint_shape(nhosts, nguests, free):
    """bench/maint's fleet: (hosts, guests), every host as full."""
    per = max(1, nguests // nhosts)
    ncust = max(1, nguests // 20)
    guests = []
    for g in range(nguests):
        _, ram, dsk = MAINT_PLANS[g % len(MAINT_PLANS)]
        guests.append({"name": "g%05d" % g, "mem": int(ram * 1024),
                       "vcpu": 1, "dsk": dsk * 1024,
                       "owner": "c%04d" % (g % ncust), "pinned": False,
                       "host": "h%04d" % (g // per % nhosts)})
    load = {}
    for g in guests:
        load[g["host"]] = load.get(g["host"], 0) + g["mem"]
    need = max(load.values())
    hosts = []
    for i in range(nhosts):
        hosts.append({"name": "h%04d" % i, "kind": "ssd", "model": "maint",
                      "nmem": 2048, "tmem": 2048 + int(need / (1 - free)),
                      "tdsk": 2 * 1024 * 1024, "cpus": 16,
                      "mem": load.get("h%04d" % i, 0), "vcpu": 0,
                      "dsk": sum(g["dsk"] for g in guests
                                 if g["host"] == "h%04d" % i)})
    return hosts, guests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", type=int, required=True)
    ap.add_argument("--guests", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--template", choices=["plain", "ext"], default="plain")
    ap.add_argument("--hdd-share", type=float, default=0.4)
    ap.add_argument("--pinned", type=float, default=0.0,
                    help="share of guests that cannot live-migrate "
                         "(auto_balance N)")
    ap.add_argument("--free", type=float, default=None,
                    help="share of the fleet's RAM left free (hosts sized "
                         "to it)")
    ap.add_argument("--shape", choices=["gen", "maint"], default="gen")
    ap.add_argument("--groups", type=int, default=1,
                    help="node groups (host i in group i mod N)")
    ap.add_argument("--offline", type=float, default=0.0,
                    help="share of hosts offline (role Y)")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    if a.shape == "maint":
        hosts, guests = maint_shape(a.hosts, a.guests,
                                    0.1 if a.free is None else a.free)
        return write(a, hosts, guests)
    hosts = make_hosts(rng, a.hosts, a.hdd_share)
    ncust = max(1, a.guests // 5)
    guests = []
    for i in range(a.guests):
        mem, vcpu, dsk, _ = pick(rng, PLANS, 3)
        # a few customers own many VPSes, most own one or two
        cust = int(ncust * rng.random() ** 2)
        guests.append({"name": "vps%07d" % (i + 1), "mem": mem,
                       "vcpu": vcpu, "dsk": dsk * 1024,
                       "owner": "c%06d" % cust,
                       "pinned": rng.random() < a.pinned})
    if a.free is not None:
        resize(hosts, guests, a.free)
    place(rng, hosts, guests)
    write(a, hosts, guests)


def group_of(a, i):
    """Name and uuid of host i's node group."""
    if a.groups <= 1:
        return "default", "uuid-default"
    return "group%02d" % (i % a.groups), "uuid-g%02d" % (i % a.groups)


def write(a, hosts, guests):
    """The fleet in htools text format, to a.output."""
    out = ["%s|%s|preferred||" % group_of(a, g)
           for g in range(max(1, a.groups))] + [""]
    master = next((h for h in hosts if h["kind"] == "ssd"), hosts[0])
    every = round(1 / a.offline) if a.offline > 0 else 0
    for i, h in enumerate(hosts):
        fmem = h["tmem"] - h["nmem"] - h["mem"]
        fdsk = h["tdsk"] - h["dsk"] if a.template == "plain" else h["tdsk"]
        role = "M" if h is master else \
            "Y" if every and i % every == every - 1 else "N"
        out.append("|".join(map(str, [
            h["name"], h["tmem"], h["nmem"], fmem, h["tdsk"], fdsk,
            h["cpus"], role, group_of(a, i)[1], 4,
            "stor:%s,model:%s" % (h["kind"], h["model"]), "N", 4, 1,
            "1.0"])))
    out.append("")
    for g in guests:
        out.append("|".join(map(str, [
            g["name"], g["mem"], g["dsk"], g["vcpu"], "running",
            "N" if g["pinned"] else "Y", g["host"], "", a.template,
            "owner:" + g["owner"], 1, "-", "N"])))
    out += ["", ""]
    policy = "2048,1,51200,1,1,1|512,1,10240,1,1,1;65536,16,1048576,16,8,12"
    tpls = "plain,ext,drbd,file"
    out.append("|%s|%s|%.1f|32.0" % (policy, tpls, VCPU_RATIO))
    for g in range(max(1, a.groups)):
        out.append("%s|%s|%s|%.1f|32.0" % (group_of(a, g)[0], policy, tpls,
                                         VCPU_RATIO))
    text = "\n".join(out) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
