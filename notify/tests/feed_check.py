"""feed_check.py FEED_GEN: validates the feed and page written by feed_gen.

TAP output.  Checks that feed.atom parses with xml.etree, is in the Atom
namespace and has the elements RFC 4287 requires of the feed and of every
entry; that Debian's python3-feedparser (when installed) reports no bozo
error; and that index.html is well formed for html.parser, uses only the
tags the renderer writes, and shows every hostile text as text.
"""
import html.parser
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

A = "{http://www.w3.org/2005/Atom}"
THR = "{http://purl.org/syndication/thread/1.0}"
# The hostile title of the "nasty" post after cleaning: ESC, \x01 removed,
# the invalid byte \xff replaced by U+FFFD.
NASTY_TITLE = ('</title><script>alert(1)</script><img src=x onerror=alert(2)>'
               ' & "Zo\u00eb" \u2014 \u6771[31m\ufffd')
VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base",
        "embed", "source", "track", "wbr"}
ALLOWED = {"html", "head", "meta", "title", "link", "style", "body",
           "header", "h1", "h2", "h3", "h4", "p", "a", "main", "article",
           "span", "time", "table", "caption", "tr", "th", "td", "section",
           "footer"}

n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + f" {n} - {what}")
    return cond


def check_atom(path, posts):
    tree = ET.parse(path)
    feed = tree.getroot()
    ok(feed.tag == A + "feed", "root is atom:feed")
    for el in ("id", "title", "updated", "author"):
        ok(feed.find(A + el) is not None, f"feed has atom:{el}")
    ok(feed.find(A + "author/" + A + "name").text, "feed author has a name")
    self = [l for l in feed.findall(A + "link") if l.get("rel") == "self"]
    ok(len(self) == 1 and self[0].get("href", "").endswith("/feed.atom"),
       "feed has one link rel=self to feed.atom")
    entries = feed.findall(A + "entry")
    ok(len(entries) == len(posts), f"{len(posts)} entries, one per post")
    ids = {}
    for e in entries:
        eid = e.find(A + "id").text or ""
        ok(eid.startswith("tag:") or eid.startswith("urn:uuid:"),
           f"entry id {eid} is a tag: or urn:uuid: URI")
        for el in ("title", "updated", "published", "author", "content"):
            ok(e.find(A + el) is not None, f"entry {eid} has atom:{el}")
        ok(e.find(A + "content").get("type") in ("text", "html"),
           f"entry {eid} content type is text or html")
        ok(e.find(A + "updated").text >= e.find(A + "published").text,
           f"entry {eid} updated >= published")
        ids[eid.rsplit("/", 1)[-1]] = e
    ok(sorted(ids) == sorted(posts), "entry ids match the posts")
    for pid, (kind, parent) in posts.items():
        e = ids.get(pid)
        if e is None:
            continue
        cat = e.find(A + "category")
        ok(cat is not None and cat.get("term") == kind,
           f"entry {pid} has category {kind}")
        irt = e.find(THR + "in-reply-to")
        if parent != "-":
            ok(irt is not None and
               irt.get("ref") == ids[parent].find(A + "id").text,
               f"update {pid} is in reply to {parent}'s entry id")
        else:
            ok(irt is None, f"{pid} is not a reply")
    nasty = ids["nasty"]
    ok(nasty.find(A + "title").text == NASTY_TITLE,
       "hostile title survives as text, cleaned")
    content = nasty.find(A + "content").text
    ok("<script" not in content and "<style>" not in content and
       "&lt;style&gt;" in content, "hostile body is escaped inside content")
    return len(entries)


def check_feedparser(path, count):
    try:
        import feedparser
    except ImportError:
        global n
        n += 1
        print(f"ok {n} # SKIP python3-feedparser not installed")
        return
    d = feedparser.parse(path)
    ok(not d.bozo, f"feedparser: no bozo error ({d.get('bozo_exception')})")
    ok(d.version == "atom10", "feedparser: Atom 1.0")
    ok(len(d.entries) == count, "feedparser: every entry")
    ok(all(x.get("id") and x.get("title") and x.get("updated")
           for x in d.entries), "feedparser: entries have id, title, updated")


class Checker(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.tags = set()
        self.text = []
        self.ids = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k.startswith("on") or k in ("src", "srcset", "data"):
                self.errors.append(f"attribute {k} on <{tag}>")
            if k == "id":
                self.ids.append(v)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.errors.append("comment in page: " + data[:40])


def check_html(path, posts):
    with open(path, encoding="utf-8", errors="strict") as f:
        page = f.read()
    ok(page.startswith("<!DOCTYPE html>"), "HTML5 doctype")
    c = Checker()
    c.feed(page)
    c.close()
    ok(not c.errors, f"well formed: {c.errors[:3]}")
    ok(not c.stack, f"every element closed: {c.stack}")
    ok(c.tags <= ALLOWED, f"only the renderer's tags: {c.tags - ALLOWED}")
    text = "".join(c.text)
    ok(NASTY_TITLE in text, "hostile title shown as text")
    ok("<style>body{display:none}</style>" in text,
       "hostile body shown as text")
    ok(sorted(i[len("post-"):] for i in c.ids if i.startswith("post-"))
       == sorted(posts), "one element id per post")
    ok(not any(ch in page for ch in "\x00\x01\x07\x1b\x7f\x85"),
       "no control characters")


def main():
    gen = sys.argv[1]
    d = tempfile.mkdtemp(prefix="feed-check.")
    try:
        out = subprocess.run([gen, d], check=True, capture_output=True,
                             text=True, timeout=60).stdout
        posts = {}
        for line in out.splitlines():
            pid, kind, parent = line.split()
            posts[pid] = (kind, parent)
        ok(len(posts) > 0, f"feed_gen wrote {len(posts)} posts")
        ok(sorted(os.listdir(d)) == ["feed.atom", "index.html"],
           "exactly feed.atom and index.html written")
        count = check_atom(os.path.join(d, "feed.atom"), posts)
        check_feedparser(os.path.join(d, "feed.atom"), count)
        check_html(os.path.join(d, "index.html"), posts)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
