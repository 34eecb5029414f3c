"""smtpsink.py PORT DIR SECONDS [CODE:ADDRESS...]: a real SMTP server
(aiosmtpd) on 127.0.0.1:PORT that writes every message it takes to
DIR/TIME.eml (whole files only: written aside, then renamed), for
SECONDS.  Each CODE:ADDRESS (say 550:bob@example.org or
451:carol@example.org) makes it answer RCPT TO for that address with
that code, as a server that refuses a recipient for good (5xx) or for
now (4xx) does; every refusal is appended to DIR/refused.log.  For the
e2e tests."""
import os
import sys
import time

from aiosmtpd.controller import Controller

refuse = {}
for arg in sys.argv[4:]:
    code, addr = arg.split(":", 1)
    refuse[addr.lower()] = int(code)


class Sink:
    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        code = refuse.get(address.lower())
        if code is not None:
            with open(os.path.join(sys.argv[2], "refused.log"), "a") as f:
                f.write("%d %s\n" % (code, address))
            return "%d %s mailbox %s" % (
                code, "5.1.1" if code >= 500 else "4.2.1",
                "unknown" if code >= 500 else "busy, try later")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(sys.argv[2], "%f.eml" % time.time())
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        # the envelope the client gave, beside the message
        with open(name + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos) + "\n")
        os.rename(name + ".tmp", name)
        return "250 OK"


c = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
time.sleep(float(sys.argv[3]))
c.stop()
