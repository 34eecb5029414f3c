"""ircd.py DIR PORT CHANNEL SECONDS: a real ngircd on 127.0.0.1:PORT with
its own configuration in DIR, and a listener in CHANNEL that appends
every PRIVMSG it sees to DIR/said.txt as "NICK TEXT" lines.  Writes
DIR/ready once the listener has joined.  Stops (and kills ngircd) after
SECONDS or on SIGTERM.  For the e2e tests; every wait is bounded.
"""
import os
import signal
import socket
import subprocess
import sys
import time

tmp, port, channel, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    float(sys.argv[4])
conf = os.path.join(tmp, "ngircd.conf")
os.makedirs(os.path.join(tmp, "conf.d"), exist_ok=True)
uid = "nobody" if os.geteuid() == 0 else str(os.geteuid())
with open(conf, "w") as f:
    f.write(f"""[Global]
Name = irc.hangar.test
Info = hangar test server
Listen = 127.0.0.1
Ports = {port}
MotdPhrase = hangar test
ServerUID = {uid}
IncludeDir = {tmp}/conf.d
[Limits]
MaxNickLength = 20
PingTimeout = 120
[Options]
PAM = no
Ident = no
DNS = no
""")
log = open(os.path.join(tmp, "ngircd.log"), "ab")
ircd = subprocess.Popen(["ngircd", "-n", "-f", conf], stdout=log,
                        stderr=log, stdin=subprocess.DEVNULL)
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
deadline = time.monotonic() + seconds
sock = None
while sock is None and time.monotonic() < deadline and not stop:
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=1)
    except OSError:
        time.sleep(0.1)
if sock is None:
    ircd.kill()
    sys.exit(1)
sock.settimeout(0.5)
sock.sendall(b"NICK listener\r\nUSER listener 0 * :listener\r\n")
buf = b""
said = open(os.path.join(tmp, "said.txt"), "a")
while time.monotonic() < deadline and not stop:
    try:
        data = sock.recv(4096)
    except socket.timeout:
        continue
    except OSError:
        break
    if not data:
        break
    buf += data
    while b"\r\n" in buf:
        line, buf = buf.split(b"\r\n", 1)
        text = line.decode("utf-8", "replace")
        parts = text.split(" ")
        if parts[0] == "PING":
            sock.sendall(("PONG " + " ".join(parts[1:]) + "\r\n").encode())
        elif len(parts) > 1 and parts[1] == "001":
            sock.sendall(f"JOIN {channel}\r\n".encode())
        elif len(parts) > 1 and parts[1] == "JOIN" and \
                parts[0].startswith(":listener!"):
            open(os.path.join(tmp, "ready"), "w").close()
        elif len(parts) > 3 and parts[1] == "PRIVMSG":
            nick = parts[0][1:].split("!")[0]
            msg = text.split(" :", 1)[1] if " :" in text else ""
            said.write(f"{nick} {msg}\n")
            said.flush()
sock.close()
ircd.terminate()
try:
    ircd.wait(5)
except subprocess.TimeoutExpired:
    ircd.kill()
