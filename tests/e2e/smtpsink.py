"""smtpsink.py PORT DIR SECONDS: a real SMTP server (aiosmtpd) on
127.0.0.1:PORT that writes every message it takes to DIR/TIME.eml (whole
files only: written aside, then renamed), for SECONDS.  For the e2e
tests."""
import os
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(sys.argv[2], "%f.eml" % time.time())
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(name + ".tmp", name)
        return "250 OK"


c = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
time.sleep(float(sys.argv[3]))
c.stop()
