#!/usr/bin/env python3
"""Checks the packages in a folder: each .nupkg has its licence expression, README, repository
URL and a .snupkg beside it; with --no-build-paths, every source path in each symbol package's
PDBs is a mapped one (/_/...), never the build machine's. Prints one line per failure; exits 1 if any.
    python3 eng/check-packages.py artifacts/packages [--no-build-paths]"""
import re
import struct
import sys
import zipfile
from pathlib import Path


def blob_length(data, at):
    """A compressed unsigned integer (ECMA-335 II.23.2): its value and the offset after it."""
    b = data[at]
    if b & 0x80 == 0:
        return b, at + 1
    if b & 0xC0 == 0x80:
        return ((b & 0x3F) << 8) | data[at + 1], at + 2
    return ((b & 0x1F) << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3], at + 4


def pdb_document_names(pdb):
    """The Document table's names of a portable PDB (its first table)."""
    if pdb[:4] != b"BSJB":
        raise ValueError("not a portable PDB")
    version_length = struct.unpack_from("<I", pdb, 12)[0]
    at = 16 + version_length + 2
    stream_count = struct.unpack_from("<H", pdb, at)[0]
    at += 2
    streams = {}
    for _ in range(stream_count):
        offset, size = struct.unpack_from("<II", pdb, at)
        end = pdb.index(b"\0", at + 8)
        streams[pdb[at + 8:end].decode()] = (offset, size)
        at = (end + 4) & ~3
    tables, _ = streams["#~"]
    blobs, _ = streams["#Blob"]
    heap_sizes = pdb[tables + 6]
    valid = struct.unpack_from("<Q", pdb, tables + 8)[0]
    present = [t for t in range(64) if valid >> t & 1]
    counts = struct.unpack_from("<%dI" % len(present), pdb, tables + 24)
    if not present or present[0] != 0x30:
        return []
    rows = counts[0]
    blob_size = 4 if heap_sizes & 4 else 2
    guid_size = 4 if heap_sizes & 2 else 2
    index = {2: "<H", 4: "<I"}
    row_at = tables + 24 + 4 * len(present)

    def blob(i):
        length, start = blob_length(pdb, blobs + i)
        return pdb[start:start + length]

    names = []
    for _ in range(rows):
        name_blob = blob(struct.unpack_from(index[blob_size], pdb, row_at)[0])
        row_at += blob_size * 2 + guid_size * 2
        separator = name_blob[:1].decode()
        parts, at = [], 1
        while at < len(name_blob):
            part, at = blob_length(name_blob, at)
            parts.append(blob(part).decode("utf-8") if part else "")
        names.append(separator.join(parts))
    return names


def main(folder, no_build_paths):
    failures = []
    packages = sorted(Path(folder).glob("*.nupkg"))
    if not packages:
        failures.append(f"no .nupkg in {folder}")
    for package in packages:
        with zipfile.ZipFile(package) as z:
            nuspec = next(z.read(n).decode("utf-8-sig") for n in z.namelist() if n.endswith(".nuspec"))
            readme = re.search(r"<readme>(.*?)</readme>", nuspec)
            checks = {
                "licence expression MIT": '<license type="expression">MIT</license>' in nuspec,
                "README": readme is not None and readme.group(1) in z.namelist(),
                "repository URL": re.search(r'<repository type="git" url="https://[^"]+"', nuspec) is not None,
                "description": re.search(r"<description>\S", nuspec) is not None,
            }
        symbols = package.with_suffix(".snupkg")
        checks["symbol package"] = symbols.exists()
        for what, ok in checks.items():
            if not ok:
                failures.append(f"{package.name}: no {what}")
        if no_build_paths and symbols.exists():
            with zipfile.ZipFile(symbols) as z:
                pdbs = [n for n in z.namelist() if n.endswith(".pdb")]
                if not pdbs:
                    failures.append(f"{symbols.name}: no PDB")
                for name in pdbs:
                    pdb = z.read(name)
                    unmapped = [d for d in pdb_document_names(pdb) if not re.match(r"/_[0-9]*/", d)]
                    if unmapped:
                        failures.append(f"{symbols.name}/{name}: build paths {unmapped[:3]}")
                    if b'"documents"' not in pdb:
                        failures.append(f"{symbols.name}/{name}: no SourceLink")
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], "--no-build-paths" in sys.argv[2:]))
