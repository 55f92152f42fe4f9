"""Checks a `sam build` output: every function of the template has a bootstrap
that is a 64-bit little-endian ELF for AArch64 (what `Architectures: [arm64]`
runs), and prints each one's size and the size of its deploy zip (deflated at
the default level, as `sam deploy` zips it). Exits 1 naming any
function that is missing or built for another machine.

Usage: check-package.py TEMPLATE BUILD_DIR
"""

import io
import os
import struct
import sys
import zipfile

import yaml

EM_AARCH64 = 183


class TemplateLoader(yaml.SafeLoader):
    """Reads CloudFormation YAML; intrinsic functions (!Ref, !Sub, ...) are irrelevant here."""


TemplateLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def elf_machine(path):
    with open(path, "rb") as f:
        header = f.read(20)
    if len(header) < 20 or header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
        return None
    return struct.unpack_from("<H", header, 18)[0]


def main(template_path, build_dir):
    with open(template_path) as f:
        template = yaml.load(f, Loader=TemplateLoader)
    functions = sorted(
        name
        for name, resource in template["Resources"].items()
        if resource.get("Type") == "AWS::Serverless::Function"
    )
    problems = []
    rows = []
    for name in functions:
        path = os.path.join(build_dir, name, "bootstrap")
        if not os.path.isfile(path):
            problems.append(f"{name}: no bootstrap at {path}")
            continue
        machine = elf_machine(path)
        if machine != EM_AARCH64:
            problems.append(f"{name}: bootstrap is not a 64-bit AArch64 ELF (e_machine {machine})")
            continue
        if not os.access(path, os.X_OK):
            problems.append(f"{name}: bootstrap is not executable")
            continue
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(path, "bootstrap")
        rows.append((name, os.path.getsize(path), len(buf.getvalue())))

    print(f"{'function':32} {'bootstrap':>11} {'zip':>11}")
    for name, raw, zipped in rows:
        print(f"{name:32} {raw / 2**20:>8.2f}MiB {zipped / 2**20:>8.2f}MiB")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(f"{len(rows)} of {len(functions)} functions packaged for arm64")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
