#!/usr/bin/python3
"""Judges a lab run: the guest's notices (JSON lines from hangar-health -d
on the serial console) and the mails the host's SMTP sink received.
Usage: check.py SCENARIOS CONSOLE-LOG MAILDIR [REPLAY-JSONL]
(REPLAY-JSONL: the guest's recording of (b) replayed on the host)"""
import email
import email.policy
import json
import os
import re
import sys

scen, console, maildir = sys.argv[1], sys.argv[2], sys.argv[3]
log = open(console, errors="replace").read()
m = re.search(r"=====BEGIN notices\r?\n(.*?)=====END notices", log, re.S)
if not m:
    sys.exit("FAIL: no notices on the console (guest did not finish)\n" +
             log[-3000:])
lines = [json.loads(l) for l in m.group(1).splitlines() if l.startswith("{")]
notices = [n for n in lines if "notice" in n]
sent = [n for n in lines if "sent" in n]
last = {}
for n in notices:
    last[n["id"]] = n
fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


mails = []
for f in sorted(os.listdir(maildir)):
    if f.endswith(".eml"):
        raw = open(os.path.join(maildir, f), "rb").read()
        mails.append(email.message_from_bytes(raw,
                                              policy=email.policy.strict))
for msg in mails:
    for k in msg.keys():
        assert not msg[k].defects, (k, msg[k].defects)
check(len(mails) == len(notices),
      f"every notice arrived by SMTP ({len(mails)} mails, "
      f"{len(notices)} notices)")
check(sorted(m["X-Hangar-Incident"] for m in mails) ==
      sorted(n["id"] for n in notices), "mails and notices match")
check("spool left: 0" in log, "the guest's spool is empty")

if "a" in scen:
    disk = [i for i in last.values() if i["kind"] == "disk"]
    check(len(disk) == 1, f"(a) exactly one disk incident ({len(disk)})")
    if disk:
        d = disk[0]["disks"]
        check(len(d) == 1 and d[0]["serial"] == "SATA0001" and
              d[0]["array"] == "md0" and "-ata-" in d[0]["path"],
              f"(a) it names SATA0001 on AHCI in md0: {d}")
        check(disk[0]["advice"].startswith("Replace disk SATA0001 at pci-"),
              "(a) advice: " + disk[0]["advice"])
if "b" in scen:
    ctrl = [i for i in last.values() if i["kind"] == "controller"]
    check(len(ctrl) == 1, f"(b) exactly one controller incident "
          f"({len(ctrl)})")
    if ctrl:
        c = ctrl[0]
        serials = sorted(d["serial"] for d in c["disks"])
        check(serials == ["HBA0000", "HBA0001", "HBA0002", "HBA0003"],
              f"(b) it names the four HBA disks: {serials}")
        check(c["controller"]["driver"] == "virtio_scsi",
              "(b) controller " + json.dumps(c["controller"]))
        check(c["arrays"][0]["name"] == "md0" and
              c["arrays"][0]["state"] == "failed",
              f"(b) md0 failed: {c['arrays']}")
        first = [n for n in notices if n["id"] == c["id"]][0]
        check(len(first["disks"]) == 4,
              "(b) the first alert already names all four disks")
        drops = [float(re.match(r"\[\s*([0-9.]+)\]", e).group(1))
                 for e in first["events"]
                 if "Disk failure on" in e or "offline device" in e]
        after = [s["usec"] / 1e6 for s in sent
                 if s["usec"] >= first["usec"]]
        if drops and after:
            lat = after[0] - max(drops)
            print(f"lab(b): last disk dropped at {max(drops):.3f} s, alert "
                  f"handed to the MTA at {after[0]:.3f} s: {lat:.2f} s "
                  f"(target < 5 s)")
            check(lat < 5.0, "(b) alert handed over within 5 s")
        subj = [str(m["Subject"]) for m in mails
                if m["X-Hangar-Incident"] == c["id"]]
        check(any("controller" in s and "md0 FAILED" in s for s in subj),
              f"(b) subject: {subj[:1]}")
    replay = sys.argv[4] if len(sys.argv) > 4 else ""
    rp = [json.loads(l) for l in open(replay)] if os.path.exists(replay) \
        else []
    rlast = {}
    for n in rp:
        rlast[n["id"]] = n
    rctrl = [i for i in rlast.values() if i["kind"] == "controller"]
    check(len(rctrl) == 1 and sorted(d["serial"] for d in rctrl[0]["disks"])
          == ["HBA0000", "HBA0001", "HBA0002", "HBA0003"] and
          rctrl[0]["arrays"][0]["state"] == "failed",
          "(b) the guest's recording replays to the same controller "
          "incident")
if "c" in scen:
    check("C mdstat unchanged" in log, "(c) /proc/mdstat did not change")
    warn = [i for i in last.values() if i["kind"] == "warning" and
            any("bad-block range" in e for e in i["events"])]
    check(len(warn) == 1, "(c) one warning with md bad blocks")
    if warn:
        print("     " + [e for e in warn[0]["events"]
                         if "bad-block" in e][0])
sys.exit(1 if fails else 0)
