"""Unpacks oneDNN's wheels (the library and its headers) into one folder for
scripts/setup.sh: include/ and lib/, with libdnnl.so and libdnnl.so.3 linking to the
versioned file (a wheel holds three copies)."""

import os
import shutil
import sys
import zipfile
from pathlib import Path

wheels, dest = Path(sys.argv[1]), Path(sys.argv[2])
partial = dest.with_name(dest.name + ".partial")
shutil.rmtree(partial, ignore_errors=True)
for wheel in sorted(wheels.glob("*.whl")):
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            # Wheels keep the files under <name>.data/data/{include,lib}/.
            parts = Path(member).parts
            if len(parts) < 4 or not parts[0].endswith(".data") or parts[1] != "data":
                continue
            if parts[2] == "lib" and not parts[-1].startswith("libdnnl.so"):
                continue
            if parts[2] not in ("include", "lib"):
                continue
            target = partial.joinpath(*parts[2:])
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
lib = partial / "lib"
versioned = max(lib.glob("libdnnl.so.*.*"), key=lambda p: len(p.name))
major = versioned.name.rsplit(".", 1)[0]  # libdnnl.so.3
for name in (major, "libdnnl.so"):
    (lib / name).unlink(missing_ok=True)
    os.symlink(versioned.name if name == major else major, lib / name)
if not (partial / "include" / "dnnl.h").is_file():
    sys.exit(f"no dnnl.h in the wheels of {wheels}")
shutil.rmtree(dest, ignore_errors=True)
partial.rename(dest)
