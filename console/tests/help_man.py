"""help_man.py HANGAR-CONSOLE MANPAGE: the console's help is its man page's.

TAP.  Every command `hangar-console -c help` lists must be an item of the
man page's COMMANDS, with the same arguments (compared without case or
spaces: "VPS" is the page's "vps"), and every item there that names a
command of the help must be that command's line.
"""
import re
import subprocess
import sys


def norm(s):
    return re.sub(r"\s+", "", s).lower()


def main():
    console, page = sys.argv[1], sys.argv[2]
    out = subprocess.run([console, "-c", "help"], capture_output=True,
                         text=True, timeout=30).stdout
    helps = []
    for line in out.splitlines()[1:]:
        if line.startswith("  ") and line[2:3] != " ":
            helps.append(re.split(r"\s{2,}", line.strip())[0])
    man = subprocess.run(["mandoc", "-Tascii", page], capture_output=True,
                         text=True, timeout=30).stdout
    man = re.sub(".\b", "", man)
    sect = man[man.index("\nCOMMANDS\n"):man.index("\nMENU\n")]
    items = [re.split(r"\s{2,}", l.strip())[0] for l in sect.splitlines()
             if re.match(r"^ {5}\S", l)]
    n = failed = 0

    def ok(cond, what):
        nonlocal n, failed
        n += 1
        failed += not cond
        print(("ok" if cond else "not ok") + f" {n} - {what}")

    ok(len(helps) >= 10, f"the help lists {len(helps)} commands")
    tags = {norm(i) for i in items}
    for h in helps:
        ok(norm(h) in tags, f"help's '{h}' is in hangar-console(8)")
    names = {h.split()[0] for h in helps}
    for i in items:
        if i.split()[0] in names:
            ok(norm(i) in {norm(h) for h in helps},
               f"hangar-console(8)'s '{i}' is in the help")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
