"""Downloads a package's source archive from PyPI: fetch_sdist.py NAME VERSION OUT.

`pip download` of an sdist builds its metadata, which needs the package's
build tools; the archive itself is all the tests want. The index is the one
pip uses (PIP_INDEX_URL, else PyPI), so a mirror works as well.
"""
import hashlib
import json
import os
import sys
import urllib.parse
import urllib.request

name, version, out = sys.argv[1:4]
index = (os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple").rstrip("/")
base = index[: -len("/simple")] if index.endswith("/simple") else index
meta_url = f"{base}/pypi/{name}/json"
with urllib.request.urlopen(meta_url, timeout=60) as r:
    meta = json.load(r)
sdist = next(u for u in meta["releases"][version] if u["packagetype"] == "sdist")
url = urllib.parse.urljoin(meta_url, sdist["url"])
with urllib.request.urlopen(url, timeout=300) as r:
    data = r.read()
if hashlib.sha256(data).hexdigest() != sdist["digests"]["sha256"]:
    sys.exit(f"{url}: the download does not match PyPI's sha256")
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
with open(out + ".part", "wb") as f:
    f.write(data)
os.replace(out + ".part", out)
