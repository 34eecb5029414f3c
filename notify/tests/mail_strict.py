#!/usr/bin/python3
"""Parses every DIR/N.eml with Python's email package under policy.strict
(any defect raises) and checks each header decodes to the value in N.json,
the body to the body given, and the header set is exactly what was built
plus Date, Message-ID and the MIME fields. Usage: mail_strict.py DIR"""
import email
import email.policy
import json
import os
import sys

d = sys.argv[1]
names = sorted(f for f in os.listdir(d) if f.endswith(".eml"))
if not names:
    sys.exit("no messages in " + d)
fixed = {"date", "message-id", "mime-version", "content-type",
         "content-transfer-encoding"}
bad = 0
for n in names:
    raw = open(os.path.join(d, n), "rb").read()
    want = json.load(open(os.path.join(d, n[:-4] + ".json")))
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.strict)
        got = {k.lower() for k in msg.keys()}
        exp = {k.lower() for k in want["headers"]} | fixed
        assert got == exp, f"header set {sorted(got)} != {sorted(exp)}"
        assert len(msg.keys()) == len(exp), "repeated header"
        for k in msg.keys():
            v = msg[k]                      # parses; strict raises on defects
            assert not v.defects, f"{k}: {v.defects}"
        for k, v in want["headers"].items():
            got_v = str(msg[k])
            if k.lower() in ("from", "to"):
                got_v = ", ".join(str(a) for a in msg[k].addresses)
            assert got_v == v.strip(), f"{k}: {got_v!r} != {v.strip()!r}"
        assert msg["Date"].datetime is not None
        body = msg.get_content().replace("\r\n", "\n")
        assert body == want["body"], "body differs"
        assert not msg.defects, msg.defects
    except Exception as e:  # noqa: BLE001 - report every failure
        bad += 1
        print(f"{n}: {type(e).__name__}: {e}")
print(f"{len(names)} messages, {bad} failed")
sys.exit(1 if bad else 0)
