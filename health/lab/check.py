#!/usr/bin/python3
"""Judges a lab run: the guest's notices (JSON lines from hangar-health -d
on the serial console), the mails the host's SMTP sink received (strict
parse, one per notice, the mail budget) and the replays, on this host,
of the recordings made in the guest.
Usage: check.py SCENARIOS CONSOLE-LOG MAILDIR RECDIR
(RECDIR holds NAME.jsonl: each recording NAME replayed here)"""
import email
import email.policy
import json
import os
import re
import sys

scen, console, maildir, recdir = sys.argv[1:5]
log = open(console, errors="replace").read()
m = re.search(r"=====BEGIN notices\r?\n(.*?)=====END notices", log, re.S)
if not m:
    sys.exit("FAIL: no notices on the console (guest did not finish)\n" +
             log[-3000:])
lines = [json.loads(l) for l in m.group(1).splitlines() if l.startswith("{")]
notices = [n for n in lines if "notice" in n]
sent = [n for n in lines if "sent" in n]
fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def final(ns):
    last = {}
    for n in ns:
        last[n["id"]] = n
    return {k: v for k, v in last.items() if v["notice"] != "merged"}


def replay(name):
    path = os.path.join(recdir, name + ".jsonl")
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path)]


def no_replace_behind_fault(ns, what):
    inc = final(ns)
    faulted = {d["serial"] for i in inc.values() if i["kind"] == "controller"
               for d in i["disks"]}
    bad = [(n["id"], d["serial"]) for n in ns if n["kind"] != "controller"
           and "Replace" in n["advice"] for d in n["disks"]
           if d["serial"] in faulted]
    check(not bad, f"{what}: no replace advice for the HBA's disks {bad}")


mails = []
for f in sorted(os.listdir(maildir)):
    if f.endswith(".eml"):
        raw = open(os.path.join(maildir, f), "rb").read()
        mails.append(email.message_from_bytes(raw,
                                              policy=email.policy.strict))
for msg in mails:
    for k in msg.keys():
        assert not msg[k].defects, (k, msg[k].defects)
mailed = [n for n in notices if n["notice"] != "merged"]
check(len(mails) == len(mailed),
      f"every notice arrived by SMTP ({len(mails)} mails, "
      f"{len(mailed)} notices)")
check(sorted(m["X-Hangar-Incident"] for m in mails) ==
      sorted(n["id"] for n in mailed), "mails and notices match")
check("spool left: 0" in log, "the guest's spool is empty")
last = final(notices)


def body_of(inc_id, notice_no):
    for msg in mails:
        if msg["X-Hangar-Incident"] == inc_id and \
                msg["Message-ID"].startswith(f"<{inc_id}.{notice_no}@"):
            return msg.get_content()
    return ""


if "p" in scen:
    disk = [i for i in last.values() if i["kind"] == "disk"]
    ctrl = [i for i in last.values() if i["kind"] == "controller"]
    check(len(last) == 2 and len(disk) == 1 and len(ctrl) == 1,
          f"(p) two faults, two incidents: "
          f"{[(i['id'], i['kind']) for i in last.values()]}")
    if disk:
        d = disk[0]
        dd = d["disks"][0] if len(d["disks"]) == 1 else {}
        check(dd.get("serial") == "SATA0001" and
              dd.get("slot") == "port ata2" and
              dd.get("path", "").endswith("-ata-2") and
              dd.get("model") == "QEMU HARDDISK",
              f"(p) the disk by serial, slot, path, model: {dd}")
        members = sorted((x["dev"], x["array"])
                         for x in dd.get("members", []))
        members.sort(key=lambda x: x[1])
        check([a for _, a in members] == ["md0", "md1", "md2"] and
              any(dev.startswith("/dev/mapper/crypt-") for dev, _ in members),
              f"(p) one incident for its three arrays, md2 through "
              f"dm-crypt: {members}")
        first = [n for n in notices if n["id"] == d["id"]][0]
        check(first["advice"].startswith("Replace disk SATA0001 (QEMU "
                                         "HARDDISK, port ata2)"),
              "(p) advice: " + first["advice"][:90])
        check([n["notice"] for n in notices if n["id"] == d["id"]] ==
              ["open", "resolved"],
              "(p) the disk: opened, resolved (md0 failing was the "
              "controller's news)")
    if ctrl:
        c = ctrl[0]
        cn = [n for n in notices if n["id"] == c["id"]]
        serials = sorted(x["serial"] for x in c["disks"])
        check(serials == ["HBA0000", "HBA0001", "HBA0002", "HBA0003"],
              f"(p) the controller names the four HBA disks: {serials}")
        check(c["controller"]["driver"] == "virtio_scsi",
              "(p) controller " + json.dumps(c["controller"]))
        check([n["notice"] for n in cn] == ["open", "update", "resolved"],
              f"(p) the controller: open, verified recovery, resolved: "
              f"{[n['notice'] for n in cn]}")
        op = cn[0]
        check(len(op["disks"]) == 4 and
              [(a["name"], a["state"]) for a in op["arrays"]
               if a["name"] == "md0"] == [("md0", "failed")],
              "(p) the first alert names all four disks and md0 failed")
        r = {m["name"]: m["verdict"] for m in op.get("recovery", [{}])[0]
             .get("members", [])}
        # the kernel names the two AHCI disks in the order their probes
        # finish, so the disk on port 2 that P1 kills is sda or sdb
        m = re.search(r"=====LAB P1 (sd[ab]) dies", log)
        dead = (m.group(1) if m else "sdb") + "3"
        live = ({"sda3", "sdb3"} - {dead}).pop()
        hba = [v for k, v in r.items() if k not in ("sda3", "sdb3")]
        check(hba == ["check"] * 4 and r.get(dead) == "stale" and
              r.get(live) in ("safe", "check"),
              f"(p) at the fault: HBA members to check, {dead} stale: {r}")
        cmd0 = op.get("recovery", [{}])[0].get("command", "")
        check(cmd0.startswith("mdadm --assemble --force /dev/md0 /dev/") and
              dead not in cmd0 and len(cmd0.split()) == 9,
              f"(p) the first alert's command leaves {dead} out: {cmd0}")
        # latency: last member drop -> the alert handed to the MTA
        drops = [float(re.match(r"\[\s*([0-9.]+)\]", e).group(1))
                 for e in op["events"]
                 if "Disk failure on" in e or "offline device" in e]
        after = [s["usec"] / 1e6 for s in sent if s["usec"] >= op["usec"]]
        if drops and after:
            lat = after[0] - max(drops)
            print(f"lab(p): last disk dropped at {max(drops):.3f} s, alert "
                  f"handed to the MTA at {after[0]:.3f} s: {lat:.2f} s "
                  f"(target < 5 s)")
            check(lat < 30.0, "(p) alert handed over (generous bound 30 s)")
        else:
            check(False, "(p) latency could not be measured")
        if len(cn) > 1:
            up = cn[1]
            rec = up.get("recovery", [{}])[0]
            r = {m["name"]: m["verdict"] for m in rec.get("members", [])}
            check(sorted(r.values()) == ["safe"] * 5 + ["stale"],
                  f"(p) once the HBA is back, five safe, one stale: {r}")
            cmd = rec.get("command", "")
            adv = re.search(r"=====LAB P3 advised: (.*)", log)
            check(adv is not None and adv.group(1).strip() == cmd and
                  cmd.startswith("mdadm --assemble --force /dev/md0 "),
                  f"(p) the guest ran the advised command: {cmd}")
            check(cmd in body_of(c["id"], 2) and
                  "never runs it" in body_of(c["id"], 2),
                  "(p) the mail gives the command, and that nothing runs it")
        check("P3 md0 active" in log and "P3 data intact" in log,
              "(p) after the advised forced assembly md0 runs and its "
              "data is intact")
        subj = [str(m["Subject"]) for m in mails
                if m["X-Hangar-Incident"] == c["id"]]
        check(any("controller" in s and "md0 FAILED" in s for s in subj),
              f"(p) subject: {subj[:1]}")
    no_replace_behind_fault(notices, "(p) live")
    check(len(mails) == 5, f"(p) mail budget: 5 mails ({len(mails)})")
    # the recordings, replayed here from real sysfs
    rd = final(replay("disk"))
    check(len(rd) == 1 and list(rd.values())[0]["kind"] == "disk" and
          len(list(rd.values())[0]["disks"][0]["members"]) == 3,
          "(p) replay of the recording after P1: one disk incident, three "
          "members")
    rc_all = replay("controller")
    rc = final(rc_all)
    kinds = sorted(i["kind"] for i in rc.values())
    check(kinds == ["controller", "disk"],
          f"(p) replay after P2: a disk and a controller incident {kinds}")
    per = {}
    for n in rc_all:
        per[n["id"]] = per.get(n["id"], 0) + (n["notice"] != "merged")
    check(all(v <= 2 for v in per.values()),
          f"(p) replay after P2: at most 2 mails per fault {per}")
    no_replace_behind_fault(rc_all, "(p) replay after P2")
    rv_all = replay("verified")
    verified = [n for n in rv_all if n["kind"] == "controller" and
                any(all(m["verdict"] in ("safe", "stale")
                        for m in r["members"]) and r["command"]
                    for r in n.get("recovery", []))]
    check(len(verified) >= 1,
          "(p) replay after P3: the verified recovery advice")
    rr = final(replay("resolved"))
    check(sorted(i["notice"] for i in rr.values()) == ["resolved",
                                                      "resolved"],
          "(p) replay after P4: both incidents resolved")
if "c" in scen:
    check("C mdstat unchanged" in log, "(c) /proc/mdstat did not change")
    warn = [i for i in last.values() if i["kind"] == "warning" and
            any("bad-block range" in e for e in i["events"])]
    check(len(warn) == 1, "(c) one warning with md bad blocks")
    check(len(mails) == len(last) == 1, f"(c) one mail ({len(mails)})")
    if warn:
        print("     " + [e for e in warn[0]["events"]
                         if "bad-block" in e][0])
sys.exit(1 if fails else 0)
