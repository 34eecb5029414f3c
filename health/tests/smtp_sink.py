#!/usr/bin/python3
"""SMTP sink on 127.0.0.1 for the tests (Debian's python3-aiosmtpd): every
message's raw bytes go to OUTDIR/NANOSECONDS-N.eml.  Writes OUTDIR/.ready once it
listens and exits by itself after SECONDS.
Usage: smtp_sink.py PORT OUTDIR SECONDS"""
import os
import sys
import time

from aiosmtpd.controller import Controller

port, outdir, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])


class Sink:
    def __init__(self):
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        tmp = os.path.join(outdir, f".{self.n}.tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content)
        # unique across sink restarts in the same directory
        os.rename(tmp, os.path.join(outdir,
                                    f"{time.time_ns()}-{self.n}.eml"))
        return "250 OK"


c = Controller(Sink(), hostname="127.0.0.1", port=port)
c.start()
open(os.path.join(outdir, ".ready"), "w").close()
try:
    time.sleep(seconds)
finally:
    c.stop()
