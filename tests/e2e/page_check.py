"""page_check.py PAGE OUTDIR PAUSES: a status page's timeline in headless
Chromium.

TAP output.  PAGE is a status page with one completed maintenance cycle of
the demo (3 hosts, 7 live-migrated VPSes: its 6 and the one its printed
commands create), whose report counts PAUSES live-migration pauses.
Chromium's DOM must hold the
<svg> timeline with its title; screenshots at a phone's width (390 px)
and a desktop's (1280 px), written to OUTDIR as timeline-WIDTH.png, must
each show every bar: 3 red host bars and PAUSES blue ones (plus one swatch
of each colour in the legend), all inside the screen; and the picture
must keep its height on the phone (text and rows are not shrunk to fit,
as a scaled-down image would be), so it reads the same on both.
Uses notify/tests/feed_chromium.py's Chromium and PNG helpers.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "notify", "tests"))
import feed_chromium as fc  # noqa: E402

PAUSES = int(sys.argv[3])
RED = (0xc6, 0x28, 0x28)
BLUE = (0x15, 0x65, 0xc0)


def blobs(w, h, bpp, rows, rgb):
    """Connected areas of rgb (4-neighbour): list of (x0, y0, x1, y1, n)."""
    hit = set()
    for y in range(h):
        row = rows[y]
        for x in range(w):
            i = x * bpp
            if (abs(row[i] - rgb[0]) <= 10 and abs(row[i + 1] - rgb[1]) <= 10
                    and abs(row[i + 2] - rgb[2]) <= 10):
                hit.add((x, y))
    out = []
    while hit:
        seed = hit.pop()
        stack, pts = [seed], [seed]
        while stack:
            x, y = stack.pop()
            for p in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                if p in hit:
                    hit.remove(p)
                    stack.append(p)
                    pts.append(p)
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        if len(pts) >= 6:    # a bar at least 2 px wide and 3 high
            out.append((min(xs), min(ys), max(xs), max(ys), len(pts)))
    return out


def shot(exe, tmp, url, width, height, outdir):
    png = os.path.join(outdir, f"timeline-{width}.png")
    r = fc.chromium(exe, tmp, ["--screenshot=" + png,
                               f"--window-size={width},{height}",
                               "--hide-scrollbars", url])
    if not fc.ok(r.returncode == 0 and os.path.exists(png),
                 f"{width} px: chromium wrote {png}"):
        sys.stderr.write(r.stderr.decode(errors="replace")[-2000:])
        return None
    with open(png, "rb") as f:
        w, h, bpp, rows = fc.png_pixels(f.read())
    fc.ok((w, h) == (width, height), f"{width} px: screenshot is {w}x{h}")
    red = blobs(w, h, bpp, rows, RED)
    blue = blobs(w, h, bpp, rows, BLUE)
    fc.ok(len(red) == 4, f"{width} px: 3 host bars and the legend's red "
          f"swatch are drawn ({len(red)} red areas)")
    fc.ok(len(blue) == PAUSES + 1, f"{width} px: {PAUSES} pauses and the "
          f"legend's blue swatch are drawn ({len(blue)} blue areas)")
    inside = all(b[0] >= 4 and b[2] <= w - 4 for b in red + blue)
    fc.ok(inside, f"{width} px: every bar is inside the screen")
    allb = red + blue
    if not allb:
        return None
    return min(b[1] for b in allb), max(b[3] for b in allb)


def main():
    page, outdir = os.path.abspath(sys.argv[1]), sys.argv[2]
    exe = fc.find_chromium()
    if exe is None:
        print("1..0 # SKIP chromium not installed (apt-get install chromium)")
        return 0
    os.makedirs(outdir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="page-check.")
    try:
        url = "file://" + page
        r = fc.chromium(exe, tmp, ["--dump-dom", url])
        dom = r.stdout.decode("utf-8", errors="replace")
        fc.ok('<svg class="timeline"' in dom and
              "<title>Maintenance cycle 1 (XSA-213)" in dom,
              "the DOM has the timeline with its title")
        fc.ok("<script" not in dom, "the page has no script")
        phone = shot(exe, tmp, url, 390, 1800, outdir)
        desk = shot(exe, tmp, url, 1280, 1200, outdir)
        if phone and desk:
            hp, hd = phone[1] - phone[0], desk[1] - desk[0]
            fc.ok(abs(hp - hd) <= hd * 0.1,
                  f"the picture keeps its height on a phone ({hp} px "
                  f"vs {hd} px): rows and text are not shrunk")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{fc.n}")
    return 1 if fc.failed else 0


if __name__ == "__main__":
    sys.exit(main())
