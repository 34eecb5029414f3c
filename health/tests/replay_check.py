#!/usr/bin/python3
"""Checks the replay output of every fixture: the incidents (JSON lines)
and the mails (parsed with Python's email package under policy.strict).
Every fixture has a check here, with its exact number of incidents and
mails (the mail budget), and the checks common to all: every mail
parses, threads and carries the advice; no incident advises replacing a
disk that sits behind a controller with a controller incident.
Usage: replay_check.py OUTDIR (holds NAME.jsonl and NAME.outbox/)."""
import email
import email.policy
import json
import os
import sys

out = sys.argv[1]


def load(name):
    with open(os.path.join(out, name + ".jsonl")) as f:
        return [json.loads(line) for line in f]


def final(notices):
    """The last notice of every incident, by id (merged ones dropped)."""
    last = {}
    for n in notices:
        last[n["id"]] = n
    return {k: v for k, v in last.items() if v["notice"] != "merged"}


def mails(name):
    box = os.path.join(out, name + ".outbox")
    res = []
    for fn in sorted(os.listdir(box)):
        raw = open(os.path.join(box, fn), "rb").read()
        assert b"\r\n\r\n" in raw and b"\n\n" not in raw.replace(b"\r\n", b"")
        msg = email.message_from_bytes(raw, policy=email.policy.strict)
        for k in msg.keys():
            assert not msg[k].defects, (fn, k)
        res.append((fn, msg))
    return res


def common(name, notices, n_incidents, n_mails):
    """Counts, mail format, and no replace advice behind a faulted
    controller; returns the final notices by id."""
    inc = final(notices)
    assert len(inc) == n_incidents, \
        f"{name}: {len(inc)} incidents, want {n_incidents}: " \
        f"{[(i['id'], i['kind']) for i in inc.values()]}"
    sent = [n for n in notices if n["notice"] != "merged"]
    got = mails(name)
    assert len(got) == len(sent) == n_mails, \
        f"{name}: {len(got)} mails for {len(sent)} notices, want {n_mails}"
    for (fn, msg), n in zip(got, sent):
        assert msg["X-Hangar-Incident"] == n["id"], fn
        assert msg["Date"] and msg["Message-ID"], fn
        assert msg["Auto-Submitted"] == "auto-generated"
        if n["notice"] != "open":
            assert msg["In-Reply-To"] == f"<{n['id']}.1@replay.invalid>", fn
        body = msg.get_content().replace("\r\n", "\n")
        assert " ".join(n["advice"].split()) in " ".join(body.split()), fn
        for w in n.get("withdrawn", []):
            assert "WITHDRAWN" in body and w.split(":")[0] in body, fn
        for r in n.get("recovery", []):
            if r["command"]:
                assert r["command"] in body, fn
                assert "hangar-health never runs it" in body, fn
    # replace advice for a disk of a controller incident: never, unless
    # given before the controller's fault was known and then withdrawn
    faulted = {}
    for i in inc.values():
        if i["kind"] == "controller":
            for d in i["disks"]:
                faulted[d["serial"]] = i
    for n in notices:
        if n["kind"] == "controller" or n["notice"] == "merged" or \
                "Replace" not in n["advice"]:
            continue
        for d in n["disks"]:
            c = faulted.get(d["serial"])
            if c is not None:
                assert any(w.startswith(f"{n['id']} (") for w in
                           c.get("withdrawn", [])), (name, n["id"], d)
    return inc


def by_kind(inc, kind):
    return [i for i in inc.values() if i["kind"] == kind]


def controller_mpt3sas():
    notices = load("controller-mpt3sas")
    inc = common("controller-mpt3sas", notices, 2, 3)
    (c,) = by_kind(inc, "controller")
    assert c["severity"] == "critical"
    assert [d["serial"] for d in c["disks"]] == \
        ["ZC10A001", "ZC10A002", "ZC10A003", "ZC10A004"], c["disks"]
    assert [d["slot"] for d in c["disks"]] == \
        ["bay 0", "bay 1", "bay 2", "bay 3"], c["disks"]
    assert all(d["path"].startswith("pci-0000:03:00.0-scsi-0:0:")
               for d in c["disks"])
    assert c["arrays"] == [{"name": "md0", "state": "failed", "failed": 4,
                            "raid_disks": 6, "cause": c["id"]}], c["arrays"]
    assert c["controller"]["pci"] == "0000:03:00.0"
    assert c["controller"]["driver"] == "mpt3sas"
    assert c["controller"]["firmware"] == "05.00.00.00"
    assert c["advice"].startswith("Do not replace these disks")
    ev = "\n".join(c["events"])
    assert "hard reset: failed" in ev and "Xen WARN" in ev
    assert "older than the baseline 16.00.01.00" in ev
    (r,) = c["recovery"]
    assert r["possible"] and r["command"] == "mdadm --assemble --force " \
        "/dev/md0 /dev/sda /dev/sdb /dev/sdc /dev/sdd /dev/sde /dev/sdf", r
    # the firmware warning went out before anything broke
    (fw,) = by_kind(inc, "warning")
    assert "baseline" in fw["events"][0], fw
    assert fw["usec"] < c["first_usec"]
    # one alert per incident: open (controller fault), then the disks
    assert [n["notice"] for n in notices if n["id"] == c["id"]] == \
        ["open", "update"]


def issue12_sas():
    """The issue's host: sdb (on the board's SATA) fails an hour before
    the SAS HBA faults and takes sdc-sdf out of the RAID6."""
    notices = load("issue12-sas")
    inc = common("issue12-sas", notices, 2, 4)
    (d,) = by_kind(inc, "disk")
    (c,) = by_kind(inc, "controller")
    # the disk: by serial, model, slot and path, with both partitions
    (dd,) = d["disks"]
    assert (dd["serial"], dd["model"], dd["slot"], dd["path"]) == \
        ("ZA1002BB", "ST4000NM0035", "port ata2", "pci-0000:00:17.0-ata-2")
    assert sorted((m["name"], m["array"]) for m in dd["members"]) == \
        [("sdb2", "md1"), ("sdb3", "md0")], dd
    assert d["advice"].startswith("Replace disk ZA1002BB (ST4000NM0035, "
                                  "port ata2) at pci-0000:00:17.0-ata-2."), d
    assert "--remove /dev/sdb2" in d["advice"]
    assert "--remove /dev/sdb3" in d["advice"]
    # its SMART warning is its history, and went out first
    dn = [n for n in notices if n["id"] == d["id"]]
    assert [(n["notice"], n["kind"], n["severity"]) for n in dn] == \
        [("open", "warning", "warning"), ("update", "disk", "critical")]
    assert "pending sectors grew from 0 to 16" in d["events"][0]
    # the controller: four disks, none to replace; md0 failed by it
    assert [x["serial"] for x in c["disks"]] == \
        ["ZC2003CC", "ZC2004DD", "ZC2005EE", "ZC2006FF"]
    assert [x["slot"] for x in c["disks"]] == \
        ["bay 4", "bay 5", "bay 6", "bay 7"]
    assert [(a["name"], a["state"], a.get("cause")) for a in c["arrays"]] \
        == [("md0", "failed", c["id"])]
    (r,) = c["recovery"]
    verdict = {m["name"]: m["verdict"] for m in r["members"]}
    assert verdict == {"sda3": "safe", "sdb3": "stale", "sdc1": "check",
                       "sdd1": "check", "sde1": "check", "sdf1": "check"}, r
    assert r["command"] == "mdadm --assemble --force /dev/md0 /dev/sda3 " \
        "/dev/sdc1 /dev/sdd1 /dev/sde1 /dev/sdf1", r
    assert r["readd"] == "mdadm /dev/md0 --add /dev/sdb3"
    assert r["members"][0]["events"] == 40211
    box = [m for f, m in mails("issue12-sas")
           if m["X-Hangar-Incident"] == c["id"]]
    body = box[-1].get_content()
    assert "Fix the controller" in body and "never runs it" in body
    # md0 failing was the controller's doing: no third mail for sdb
    assert len([n for n in notices if n["id"] == d["id"]]) == 2


def mpt2sas_crypt():
    """A disk drops, its incident goes out, then its HBA logs a fault 20 s
    later: the same incident becomes the controller's and withdraws the
    advice to replace the disk."""
    notices = load("mpt2sas-crypt")
    inc = common("mpt2sas-crypt", notices, 1, 2)
    (c,) = inc.values()
    assert [(n["notice"], n["kind"]) for n in notices] == \
        [("open", "disk"), ("update", "controller")]
    assert notices[0]["advice"].startswith("Replace disk 9XG1A0H8")
    assert "/dev/mapper/crypt-sdh1" in notices[0]["advice"]
    assert c["advice"].startswith("Do not replace these disks")
    assert len(c["withdrawn"]) == 1
    assert c["withdrawn"][0].startswith(f"{c['id']} (notice 1): Replace "
                                        "disk 9XG1A0H8")
    (dd,) = c["disks"]
    assert dd["slot"] == "enclosure Slot02"
    assert dd["members"] == [{"name": "dm-1", "dev": "/dev/mapper/crypt-sdh1",
                              "array": "md3", "failed": True}]
    assert c["controller"]["driver"] == "mpt2sas"


def nvme_raid1():
    notices = load("nvme-raid1")
    inc = common("nvme-raid1", notices, 1, 1)
    (d,) = inc.values()
    (dd,) = d["disks"]
    assert (dd["serial"], dd["slot"]) == ("S4EVNX0N800002", "PCIe slot 3")
    assert dd["members"][0]["name"] == "nvme1n1p2"
    assert d["advice"].startswith("Replace disk S4EVNX0N800002 (Samsung SSD "
                                  "970 EVO Plus 1TB, PCIe slot 3)")


# Recorded in the QEMU lab guest (health/lab, scenario p, LAB_SAVE): the
# layout of issue 12 with real sysfs, kernel log, mdstat and superblocks.

def lab_disk_incident(inc):
    (d,) = by_kind(inc, "disk")
    (dd,) = d["disks"]
    assert (dd["serial"], dd["model"], dd["slot"]) == \
        ("SATA0001", "QEMU HARDDISK", "port ata2"), dd
    assert dd["path"].endswith("-ata-2"), dd
    assert sorted((m["array"], m["dev"]) for m in dd["members"]) == \
        [("md0", "/dev/sdb3"), ("md1", "/dev/sdb2"),
         ("md2", "/dev/mapper/crypt-sdb4")], dd["members"]
    return d


def lab_controller_incident(inc):
    (c,) = by_kind(inc, "controller")
    assert sorted(x["serial"] for x in c["disks"]) == \
        ["HBA0000", "HBA0001", "HBA0002", "HBA0003"], c["disks"]
    assert c["controller"]["driver"] == "virtio_scsi"
    return c


def lab_disk():
    """sdb (SATA port 2) dies: one disk in three arrays, one of them over
    dm-crypt: one incident, one mail."""
    inc = common("lab-disk", load("lab-disk"), 1, 1)
    d = lab_disk_incident(inc)
    assert sorted(a["state"] for a in d["arrays"]) == ["degraded"] * 3
    assert d["advice"].startswith("Replace disk SATA0001 (QEMU HARDDISK, "
                                  "port ata2)")
    assert "mdadm /dev/md2 --remove /dev/mapper/crypt-sdb4" in d["advice"]


def lab_controller():
    """Then the HBA's four disks drop: md0 fails; the controller incident
    gives recovery advice that leaves the stale sdb3 out."""
    notices = load("lab-controller")
    inc = common("lab-controller", notices, 2, 2)
    lab_disk_incident(inc)
    c = lab_controller_incident(inc)
    assert [(a["name"], a["state"]) for a in c["arrays"]] == \
        [("md0", "failed")]
    (r,) = c["recovery"]
    v = {m["name"]: m["verdict"] for m in r["members"]}
    assert v["sdb3"] == "stale" and v["sda3"] in ("safe", "check"), v
    assert all(v[k] == "check" for k in ("sdc1", "sdd1", "sde1", "sdf1"))
    assert r["command"] == "mdadm --assemble --force /dev/md0 /dev/sda3 " \
        "/dev/sdc1 /dev/sdd1 /dev/sde1 /dev/sdf1", r


def lab_verified():
    """The HBA's disks come back: their superblocks agree, the verified
    command goes out (the one the guest then ran, successfully)."""
    notices = load("lab-verified")
    inc = common("lab-verified", notices, 2, 3)
    c = lab_controller_incident(inc)
    assert [n["notice"] for n in notices if n["id"] == c["id"]] == \
        ["open", "update"]
    (r,) = c["recovery"]
    v = {m["name"]: m["verdict"] for m in r["members"]}
    assert v == {"sda3": "safe", "sdb3": "stale", "sdc1": "safe",
                 "sdd1": "safe", "sde1": "safe", "sdf1": "safe"}, v
    assert all(m["events"] > 0 for m in r["members"] if m["name"] != "sdb3")
    assert any("readable superblock" in e for e in c["events"])


def lab_resolved():
    """sdb is back and every member rebuilt: both incidents resolve."""
    notices = load("lab-resolved")
    inc = common("lab-resolved", notices, 2, 4)
    assert sorted(i["notice"] for i in inc.values()) == \
        ["resolved", "resolved"]
    d = lab_disk_incident(inc)
    assert all(a["state"] == "clean" for a in d["arrays"])


def array_failed():
    """Three disks on three controllers fail hours apart: three disk
    incidents; the last one failed md0 and gives its recovery."""
    notices = load("array-failed")
    inc = common("array-failed", notices, 3, 3)
    assert all(i["kind"] == "disk" for i in inc.values())
    last = notices[-1]
    assert last["arrays"][0]["state"] == "failed"
    assert last["arrays"][0]["cause"] == last["id"]
    (r,) = last["recovery"]
    verdict = {m["name"]: m["verdict"] for m in r["members"]}
    assert verdict["sde"] == verdict["sda"] == "stale", r
    assert verdict["nvme0n1"] == "check", r
    assert "/dev/sde" not in r["command"] and "/dev/sda" not in r["command"]
    box = os.path.join(out, "array-failed.outbox")
    msg = email.message_from_bytes(
        open(os.path.join(box, sorted(os.listdir(box))[-1]), "rb").read(),
        policy=email.policy.strict)
    assert "md0 FAILED" in str(msg["Subject"]), msg["Subject"]
    assert "too few members to run" in msg.get_content()


def warnings():
    notices = load("warnings")
    inc = common("warnings", notices, 4, 4)
    by_disk = {i["disks"][0]["name"]: i for i in inc.values()}
    assert set(by_disk) == {"nvme0n1", "sde", "sda", "sdb"}, by_disk.keys()
    ev = "\n".join(by_disk["sdb"]["events"])     # SAS, behind mpt3sas
    assert "SCSI grown defects grew from 0 to 12" in ev, ev
    assert "SCSI uncorrected errors grew from 0 to 3" in ev, ev
    assert by_disk["sdb"]["disks"][0]["serial"] == "ZC10A002"
    assert by_disk["nvme0n1"]["severity"] == "critical"
    assert any("critical warning 0x04" in e
               for e in by_disk["nvme0n1"]["events"])
    ev = "\n".join(by_disk["sde"]["events"])
    assert "pending sectors grew from 0 to 8" in ev, ev
    assert "1 bad-block range (8 sectors)" in ev, ev
    ev = "\n".join(by_disk["sda"]["events"])
    assert "write_error want_replacement" in ev, ev
    assert by_disk["sda"]["severity"] == "critical"   # md asks for it
    assert "SMART" not in ev, ev      # asleep is not failed
    assert all(i["kind"] == "warning" for i in inc.values())


checks = {
    "controller-mpt3sas": controller_mpt3sas,
    "issue12-sas": issue12_sas,
    "mpt2sas-crypt": mpt2sas_crypt,
    "nvme-raid1": nvme_raid1,
    "lab-disk": lab_disk,
    "lab-controller": lab_controller,
    "lab-verified": lab_verified,
    "lab-resolved": lab_resolved,
    "array-failed": array_failed,
    "warnings": warnings,
}
fixtures = sorted(f[:-6] for f in os.listdir(out) if f.endswith(".jsonl"))
missing = [f for f in fixtures if f not in checks]
assert not missing, f"fixtures without a check: {missing}"
for name in fixtures:
    checks[name]()
    print(f"ok {name}")
