#!/usr/bin/python3
"""Checks the replay output of every fixture: the incidents (JSON lines)
and the mails (parsed with Python's email package under policy.strict).
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
    """The last notice of every incident, by id."""
    last = {}
    for n in notices:
        last[n["id"]] = n
    return last


def check_mails(name, notices):
    box = os.path.join(out, name + ".outbox")
    files = sorted(os.listdir(box))
    assert len(files) == len(notices), f"{name}: {len(files)} mails"
    for fn, n in zip(files, notices):
        raw = open(os.path.join(box, fn), "rb").read()
        assert b"\r\n\r\n" in raw and b"\n\n" not in raw.replace(b"\r\n", b"")
        msg = email.message_from_bytes(raw, policy=email.policy.strict)
        for k in msg.keys():
            assert not msg[k].defects, (fn, k)
        assert msg["X-Hangar-Incident"] == n["id"], fn
        assert msg["Date"] and msg["Message-ID"], fn
        assert msg["Auto-Submitted"] == "auto-generated"
        if n["notice"] != "open":
            assert msg["In-Reply-To"] == f"<{n['id']}.1@replay.invalid>", fn
        body = msg.get_content()
        assert n["advice"] in body.replace("\r\n", "\n"), fn


def controller():
    notices = load("controller-mpt3sas")
    inc = final(notices)
    ctrl = [i for i in inc.values() if i["kind"] == "controller"]
    assert len(ctrl) == 1, ctrl
    c = ctrl[0]
    assert c["severity"] == "critical"
    assert [d["serial"] for d in c["disks"]] == \
        ["ZC10A001", "ZC10A002", "ZC10A003", "ZC10A004"], c["disks"]
    assert all(d["path"].startswith("pci-0000:03:00.0-scsi-0:0:")
               for d in c["disks"])
    assert c["arrays"] == [{"name": "md0", "state": "failed", "failed": 4,
                            "raid_disks": 6}], c["arrays"]
    assert c["controller"]["pci"] == "0000:03:00.0"
    assert c["controller"]["driver"] == "mpt3sas"
    assert c["controller"]["firmware"] == "05.00.00.00"
    assert c["advice"].startswith("Do not replace these disks")
    ev = "\n".join(c["events"])
    assert "hard reset: failed" in ev and "Xen WARN" in ev
    assert "older than the baseline 16.00.01.00" in ev
    assert not [i for i in inc.values() if i["kind"] == "disk"]
    # the firmware warning went out before anything broke
    fw = [i for i in inc.values() if i["kind"] == "warning"]
    assert len(fw) == 1 and "baseline" in fw[0]["events"][0], fw
    assert fw[0]["usec"] < c["first_usec"]
    # one alert per incident: open (controller fault), then the disks
    assert [n["notice"] for n in notices if n["id"] == c["id"]] == \
        ["open", "update"]
    check_mails("controller-mpt3sas", notices)


def disk_single():
    notices = load("disk-single")
    assert len(notices) == 1, notices
    n = notices[0]
    assert n["kind"] == "disk" and n["severity"] == "critical"
    assert n["disks"] == [{"serial": "WD-WX11A006", "name": "sdf",
                           "path": "pci-0000:00:1f.2-ata-2",
                           "array": "md0"}]
    assert n["arrays"][0]["state"] == "degraded"
    assert n["advice"] == ("Replace disk WD-WX11A006 at "
                           "pci-0000:00:1f.2-ata-2, in array md0.")
    # the ATA errors before the drop are part of it, not a warning
    assert any("failed command" in e for e in n["events"])
    check_mails("disk-single", notices)


def array_failed():
    notices = load("array-failed")
    inc = final(notices)
    assert len(inc) == 3 and all(i["kind"] == "disk" for i in inc.values())
    assert all(i["arrays"][0]["state"] == "failed" for i in inc.values())
    first = notices[0]
    assert first["arrays"][0]["state"] == "degraded"
    check_mails("array-failed", notices)
    box = os.path.join(out, "array-failed.outbox")
    last = sorted(os.listdir(box))[-1]
    msg = email.message_from_bytes(open(os.path.join(box, last), "rb").read(),
                                   policy=email.policy.strict)
    assert "md0 FAILED" in str(msg["Subject"]), msg["Subject"]
    assert "too few members to run" in msg.get_content()


def resolved():
    notices = load("resolved")
    assert [n["notice"] for n in notices] == ["open", "update", "resolved"]
    assert notices[1]["arrays"][0]["state"] == "rebuilding"
    assert notices[1]["arrays"][0]["permille"] == 88
    assert notices[2]["arrays"][0]["state"] == "clean"
    check_mails("resolved", notices)


def warnings():
    notices = load("warnings")
    inc = final(notices)
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
    assert "SMART" not in ev, ev      # asleep is not failed
    assert all(i["kind"] == "warning" for i in inc.values())
    check_mails("warnings", notices)


for t in (controller, disk_single, array_failed, resolved, warnings):
    t()
    print(f"ok {t.__name__}")
