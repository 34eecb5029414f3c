#!/bin/sh
# The socket protocol as an attacker or a buggy client sees it: malformed,
# oversized and out-of-order requests get an error reply, the connection
# stays usable, and the daemon never falls over.
. "$HANGAR_SRC/tests/lib.sh"

state_new
hangard_start || { done_testing; exit 1; }
python3 - "$STATE/hangard.sock" <<'PY'
import json, os, random, socket, sys, time

path = sys.argv[1]
n = 0
failed = 0

def ok(cond, desc):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok"), n, "-", desc, flush=True)

class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(path)
        self.buf = b""
    def send(self, raw):
        self.s.sendall(raw)
    def line(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d
        l, self.buf = self.buf.split(b"\n", 1)
        return json.loads(l)
    def call(self, method, params=None, id=1):
        self.send(json.dumps({"id": id, "method": method,
                              "params": params or {}}).encode() + b"\n")
        return self.line()

c = Conn()
r = c.call("guest.list")
ok(r["ok"] is False and r["error"]["code"] == "protocol"
   and "hello" in r["error"]["message"], "a request before hello is refused")
r = c.call("hello", {"version": 99})
ok(r["ok"] is False and "version" in r["error"]["message"],
   "an unknown protocol version is refused")
r = c.call("hello", {"version": 1})
ok(r["ok"] and r["result"]["role"] == "operator", "hello as root: operator")

c.send(b"{" + b" " * 70000 + b"}\n")
r = c.line()
ok(r["ok"] is False and "too long" in r["error"]["message"],
   "an oversized line gets an error reply")
r = c.call("plan.list", id=5)
ok(r["ok"] and r["id"] == 5, "the connection is usable after an oversized line")

cases = [
    (b"not json\n", "malformed"),
    (b"{\"id\":1}\n", "method"),
    (b"{\"id\":1,\"method\":\"guest.list\",\"params\":[]}\n", "params"),
    (b"{\"id\":1,\"method\":\"no.such\"}\n", "unknown method"),
    (b"{\"id\":1,\"method\":\"guest.show\",\"params\":{\"name\":\"x\",\"evil\":1}}\n",
     "unknown parameter"),
    (b"{\"id\":1,\"method\":\"guest.show\",\"params\":{\"name\":7}}\n", "string"),
    (b"{\"id\":1,\"method\":\"guest.show\",\"params\":{\"name\":\"" + b"a" * 300 +
     b"\"}}\n", "too long"),
    (b"{\"id\":1,\"method\":\"guest.show\",\"params\":{\"name\":\"a\\u001b[2J\"}}\n",
     "control"),
    (b"{\"id\":1,\"method\":\"guest.show\",\"params\":{}}\n", "missing"),
    (b"{\"id\":1,\"method\":\"x\",\"params\":{\"a\":[[[[[[[[[[1]]]]]]]]]]}}\n",
     "malformed"),
    (b"{\"id\":1,\"method\":\"a\x00b\"}\n", "NUL"),
]
for raw, want in cases:
    c.send(raw)
    r = c.line()
    ok(r is not None and r["ok"] is False and want in r["error"]["message"],
       "refused with '%s': %r" % (want, raw[:40]))
r = c.call("plan.list", id=6)
ok(r["ok"] and r["id"] == 6, "the connection is still usable")

# bounded garbage: 300 random lines, at most 10 s
random.seed(1)
t0 = time.time()
replies = 0
for i in range(300):
    if time.time() - t0 > 10:
        break
    junk = bytes(random.randrange(1, 256) for _ in range(random.randrange(1, 200)))
    junk = junk.replace(b"\n", b" ")
    c.send(junk + b"\n")
    if c.line() is not None:
        replies += 1
ok(replies > 0 and c.call("plan.list", id=7)["ok"],
   "300 random lines: each answered, connection still usable (%d)" % replies)

# a client that says nothing useful and goes away mid-line
d = Conn()
d.send(b"{\"id\":1,\"meth")
d.s.close()
e = Conn()
ok(e.call("hello", {"version": 1})["ok"], "a half-line disconnect hurts nobody")
print("1..%d" % n)
sys.exit(1 if failed else 0)
PY
rc=$?
kill -0 "$HPID" 2>/dev/null || { echo "not ok - hangard died"; exit 1; }
exit $rc
