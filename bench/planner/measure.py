#!/usr/bin/env python3
"""Runs a command and measures it for bench/planner/run.

    measure.py LIMIT REPEAT OUT ERR -- CMD [ARG...]

Runs CMD REPEAT times (stdout to OUT, stderr to ERR; the last run's stay)
and prints "STATUS WALL RSS" for the fastest run: STATUS ok, timeout or
failed; WALL in seconds from fork to reaping, on the monotonic clock;
RSS the child's peak resident set in MB, from wait4(2)'s rusage.  A run
that has not ended after LIMIT seconds is killed (its process group) and
reported as timeout; no further runs are made.

The clock is read here, around the child alone: timing a command with
date(1), time(1) and timeout(1) in a shell adds some 3 ms of their own
process starts, which is most of what a millisecond planner takes.
"""
import os
import signal
import subprocess
import sys
import threading
import time


def run_once(limit, out, err, cmd):
    """One run: (status, wall seconds, peak RSS MB)."""
    with open(out, "wb") as fo, open(err, "wb") as fe:
        t0 = time.monotonic_ns()
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe,
                                stdin=subprocess.DEVNULL,
                                start_new_session=True)
        killed = threading.Event()

        def kill():
            killed.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(limit, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
            t1 = time.monotonic_ns()
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = (t1 - t0) / 1e9
    rss = ru.ru_maxrss / 1024.0
    if killed.is_set():
        return "timeout", wall, rss
    # 1: hangar planned what fits and says which guests do not
    return ("ok" if proc.returncode in (0, 1) else "failed"), wall, rss


def main(argv):
    if len(argv) < 6 or argv[4] != "--":
        sys.exit("usage: measure.py LIMIT REPEAT OUT ERR -- CMD [ARG...]")
    limit, repeat = float(argv[0]), int(argv[1])
    out, err, cmd = argv[2], argv[3], argv[5:]
    best = None
    for _ in range(max(repeat, 1)):
        st, wall, rss = run_once(limit, out, err, cmd)
        if st != "ok":
            best = (st, wall, rss)
            break
        if best is None or wall < best[1]:
            best = (st, wall, rss)
    st, wall, rss = best
    print("%s %.4f %.0f" % (st, wall, rss))


if __name__ == "__main__":
    main(sys.argv[1:])
