"""feed_chromium.py FEED_GEN: renders the status page in headless Chromium.

TAP output (suite e2e).  feed_gen writes the sample page; Chromium takes a
1000x1400 screenshot, which must be a PNG of that size that is not blank
and shows the colours of the page's kind labels (so the inline CSS was
applied), and --dump-dom must contain every post title as text and no
element the hostile post tried to inject.  Skips when chromium is missing.
"""
import html
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

A = "{http://www.w3.org/2005/Atom}"
TIMEOUT = 120
n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + f" {n} - {what}")
    return cond


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    return None


def chromium(exe, tmp, args):
    prof = tempfile.mkdtemp(prefix="profile.", dir=tmp)
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-dev-shm-usage",
           "--user-data-dir=" + prof] + args
    env = dict(os.environ, HOME=tmp)
    return subprocess.run(cmd, capture_output=True, timeout=TIMEOUT,
                          env=env, cwd=tmp)


def png_pixels(data):
    """Decodes an 8-bit RGB/RGBA non-interlaced PNG into rows of tuples."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if zlib.crc32(typ + body) != struct.unpack(
                ">I", data[pos + 8 + ln:pos + 12 + ln])[0]:
            raise ValueError("bad CRC in " + typ.decode())
        if typ == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat += body
        elif typ == b"IEND":
            break
        pos += 12 + ln
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG {depth}/{ctype}/{interlace}")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def near(px, rgb, tol=12):
    return all(abs(px[i] - rgb[i]) <= tol for i in range(3))


def check_screenshot(exe, tmp, url):
    png = os.path.join(tmp, "page.png")
    r = chromium(exe, tmp, ["--screenshot=" + png, "--window-size=1000,1400",
                            "--hide-scrollbars", url])
    if not ok(r.returncode == 0 and os.path.exists(png),
              f"chromium wrote a screenshot (exit {r.returncode})"):
        sys.stderr.write(r.stderr.decode(errors="replace")[-2000:])
        return
    size = os.path.getsize(png)
    ok(size > 10000, f"screenshot is {size} bytes")
    with open(png, "rb") as f:
        w, h, bpp, rows = png_pixels(f.read())
    ok((w, h) == (1000, 1400), f"screenshot is {w}x{h}")
    colours = {}
    for y in range(0, h, 2):
        row = rows[y]
        for x in range(0, w * bpp, bpp * 2):
            px = bytes(row[x:x + 3])
            colours[px] = colours.get(px, 0) + 1
    total = sum(colours.values())
    top = max(colours.values())
    ok(len(colours) > 20, f"{len(colours)} distinct colours (not blank)")
    ok(top < total * 0.97,
       f"background is {100 * top // total}% of the pixels")
    # label colours from the page's CSS: completed green, incident red
    for name, rgb in (("completed green", (0x2e, 0x7d, 0x32)),
                      ("incident red", (0xc6, 0x28, 0x28))):
        hits = sum(c for px, c in colours.items() if near(px, rgb))
        ok(hits > 20, f"{name} label drawn ({hits} samples)")


def check_dom(exe, tmp, url, atom):
    r = chromium(exe, tmp, ["--dump-dom", url])
    dom = r.stdout.decode("utf-8", errors="replace")
    if not ok(r.returncode == 0 and "</html>" in dom,
              f"chromium --dump-dom (exit {r.returncode})"):
        sys.stderr.write(r.stderr.decode(errors="replace")[-2000:])
        return
    titles = [e.find(A + "title").text
              for e in ET.parse(atom).getroot().findall(A + "entry")]
    ok(len(titles) > 0, f"{len(titles)} titles in the feed")
    for t in titles:
        ok(html.escape(t, quote=False) in dom, f"title in the DOM: {t[:40]}")
    ok("<script" not in dom and "<img" not in dom,
       "no injected element in the DOM")


def main():
    gen = sys.argv[1]
    exe = find_chromium()
    if exe is None:
        print("1..0 # SKIP chromium not installed (apt-get install chromium)")
        return 0
    tmp = tempfile.mkdtemp(prefix="feed-chromium.")
    try:
        site = os.path.join(tmp, "site")
        os.mkdir(site)
        subprocess.run([gen, site], check=True, capture_output=True,
                       timeout=60)
        url = "file://" + os.path.join(site, "index.html")
        check_screenshot(exe, tmp, url)
        check_dom(exe, tmp, url, os.path.join(site, "feed.atom"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
