"""irc_e2e.py IRC_DRIVER: notify/irc against a real ngircd on 127.0.0.1.

TAP output (suite e2e).  Starts ngircd on a free port with its own
configuration in a temporary folder (no PAM, no ident, no DNS), joins a
listener written here with a raw socket, and drives irc_driver (the C
client) to say lines in #prgmr-status: they must arrive in order and a
CR/LF in a text must not become a command.  Then ngircd is killed and
started again: the client must reconnect by itself and deliver a fourth
line.  Last a flood of 20 lines must all arrive in order, a burst of at
most four and then one per second.  Every wait is bounded; everything started
is killed and the folder removed at the end.
"""
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

CHANNEL = "#prgmr-status"
NICK = "hangar-t"
BURST, INTERVAL = 4, 1.0        # the client's defaults
n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + f" {n} - {what}", flush=True)
    return cond


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ngircd:
    def __init__(self, tmp, port):
        self.tmp, self.port, self.proc = tmp, port, None
        inc = os.path.join(tmp, "conf.d")
        os.makedirs(inc, exist_ok=True)
        self.conf = os.path.join(tmp, "ngircd.conf")
        uid = "nobody" if os.geteuid() == 0 else str(os.geteuid())
        with open(self.conf, "w") as f:
            f.write(f"""[Global]
Name = irc.hangar.test
Info = hangar e2e test server
Listen = 127.0.0.1
Ports = {port}
MotdPhrase = hangar test
ServerUID = {uid}
IncludeDir = {inc}
[Limits]
MaxNickLength = 20
PingTimeout = 120
[Options]
PAM = no
Ident = no
DNS = no
""")

    def start(self):
        log = open(os.path.join(self.tmp, "ngircd.log"), "ab")
        self.proc = subprocess.Popen(["ngircd", "-n", "-f", self.conf],
                                     stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return True
            except OSError:
                time.sleep(0.1)
        return False

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None


class Listener:
    """A minimal IRC client that records the channel's PRIVMSGs."""

    def __init__(self, port, nick="listener"):
        self.sock = socket.create_connection(("127.0.0.1", port), 5)
        self.sock.settimeout(0.2)
        self.buf = b""
        self.msgs = []          # (monotonic time, sender nick, text)
        self.joined = set()     # nicks seen joining the channel
        self.closed = False
        self.send(f"NICK {nick}")
        self.send(f"USER {nick} 0 * :test listener")
        self.wait(lambda: self.welcome, 10, init=True)
        self.send(f"JOIN {CHANNEL}")
        self.wait(lambda: self.in_channel, 10)

    welcome = False
    in_channel = False

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def poll(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return
        now = time.monotonic()
        self.buf += data
        while b"\r\n" in self.buf:
            raw, self.buf = self.buf.split(b"\r\n", 1)
            self.handle(raw.decode("utf-8", "replace"), now)

    def handle(self, line, now):
        prefix = ""
        if line.startswith(":"):
            prefix, line = line[1:].split(" ", 1)
        cmd, _, rest = line.partition(" ")
        nick = prefix.split("!")[0]
        if cmd == "PING":
            self.send("PONG " + rest)
        elif cmd == "001":
            self.welcome = True
        elif cmd == "366":
            self.in_channel = True
        elif cmd == "JOIN":
            self.joined.add(nick)
        elif cmd == "PRIVMSG":
            target, _, text = rest.partition(" :")
            if target.lower() == CHANNEL:
                self.msgs.append((now, nick, text))
        elif cmd in ("QUIT", "PART") and nick == NICK:
            self.msgs.append((now, nick, "<" + cmd + ">"))

    def wait(self, cond, seconds, init=False):
        deadline = time.monotonic() + seconds
        while not cond() and time.monotonic() < deadline and not self.closed:
            self.poll()
        return cond()

    def texts(self):
        return [t for _, nk, t in self.msgs if nk == NICK]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Driver:
    def __init__(self, exe, port):
        self.proc = subprocess.Popen(
            [exe, "127.0.0.1", str(port), NICK, CHANNEL],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=sys.stderr, text=True, bufsize=1)
        self.events = queue.Queue()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.proc.stdout:
            self.events.put(line.strip())

    def say(self, text):
        self.proc.stdin.write("say " + text + "\n")
        self.proc.stdin.flush()

    def wait_event(self, want, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                ev = self.events.get(timeout=max(0.01,
                                                 deadline - time.monotonic()))
            except queue.Empty:
                break
            if ev == want:
                return True
        return False

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)


def run(exe, tmp, procs):
    port = free_port()
    srv = procs["srv"] = Ngircd(tmp, port)
    if not ok(srv.start(), f"ngircd listens on 127.0.0.1:{port}"):
        return
    lis = Listener(port)
    ok(lis.in_channel, f"listener joined {CHANNEL}")
    drv = procs["drv"] = Driver(exe, port)
    ok(drv.wait_event("ready 1", 15), "client registered and joined")
    ok(lis.wait(lambda: NICK in lis.joined, 5), "listener saw the client join")

    for i in (1, 2, 3):
        drv.say(f"line {i}")
    ok(lis.wait(lambda: len(lis.texts()) >= 3, 10), "three lines arrived")
    ok(lis.texts()[:3] == ["line 1", "line 2", "line 3"],
       f"in order: {lis.texts()[:3]}")
    drv.say(r"inject\r\nQUIT :gone\r\nJOIN #other")
    ok(lis.wait(lambda: len(lis.texts()) >= 4, 10) and
       lis.texts()[3] == "inject QUIT :gone JOIN #other",
       f"CR/LF stay text: {lis.texts()[3:4]}")

    # ngircd dies and comes back on the same port
    srv.kill()
    ok(lis.wait(lambda: lis.closed, 5), "listener lost the killed server")
    lis.close()
    ok(drv.wait_event("state idle", 10), "client noticed the drop")
    started = False
    for _ in range(20):
        if srv.start():
            started = True
            break
        srv.kill()
        time.sleep(0.5)
    ok(started, "ngircd restarted on the same port")
    lis = Listener(port)
    drv.say("line 4")
    ok(drv.wait_event("ready 2", 30), "client reconnected by itself")
    ok(lis.wait(lambda: "line 4" in lis.texts(), 15),
       f"fourth line arrived after the restart: {lis.texts()}")

    # a flood of 20 lines, after a pause that fills the burst again
    time.sleep(BURST * INTERVAL + 0.3)
    lis.msgs.clear()
    for i in range(1, 21):
        drv.say(f"flood {i}")
    ok(lis.wait(lambda: len(lis.texts()) >= 20, 20 * INTERVAL + 15),
       f"all 20 flood lines arrived ({len(lis.texts())})")
    texts = lis.texts()
    ok(texts == [f"flood {i}" for i in range(1, 21)], "flood lines in order")
    times = [t for t, nk, _ in lis.msgs if nk == NICK]
    if len(times) == 20:
        # ngircd itself lets a user through 3 lines at once and then
        # holds it for a second, so a client without flood control still
        # gets 20 lines through in about 6 s: the bounds below tell ours.
        gaps = [b - a for a, b in zip(times, times[1:])]
        ok(times[2] - times[0] < 0.5 * INTERVAL,
           f"the first lines go at once ({times[2] - times[0]:.3f} s)")
        worst = max((j - i + 1) - (t_j - t_i) / INTERVAL
                    for i, t_i in enumerate(times)
                    for j, t_j in enumerate(times) if j > i)
        ok(worst <= BURST + 0.25,
           f"no window holds more than {BURST} + elapsed/{INTERVAL:.0f} s "
           f"lines (worst {worst:.2f})")
        total = times[-1] - times[0]
        want = (20 - BURST) * INTERVAL
        ok(want - 0.5 <= total <= want + 3,
           f"20 lines took {total:.2f} s (the limit allows {want:.0f} s)")
        print(f"# flood gaps: {' '.join(f'{g:.3f}' for g in gaps)}")
    lis.close()


def main():
    exe = sys.argv[1]
    if shutil.which("ngircd") is None:
        print("1..0 # SKIP ngircd not installed (apt-get install ngircd)")
        return 0
    tmp = tempfile.mkdtemp(prefix="irc-e2e.")
    os.chmod(tmp, 0o755)
    procs = {}
    try:
        run(exe, tmp, procs)
    finally:
        if "drv" in procs:
            procs["drv"].stop()
        if "srv" in procs:
            procs["srv"].kill()
        if failed:
            try:
                with open(os.path.join(tmp, "ngircd.log")) as f:
                    sys.stderr.write(f.read()[-3000:])
            except OSError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
