#!/usr/bin/python3
"""Edits the config.json that `crun spec` wrote into BUNDLE so crun and runc start /bin/true with
the hardening `bulkhead run` applies by default: Bulkhead's capability set, no_new_privs, a
read-only root and Bulkhead's default seccomp profile.

    make_oci_bundle.py BUNDLE ROOTFS PROFILE

PROFILE is a Docker-format seccomp profile (profiles/default.json). OCI runtimes take the flat
linux.seccomp form, so the profile is flattened here the way dockerd does it: a rule's
includes/excludes are decided against the container's capabilities, the native arch (amd64) and
the running kernel, then dropped.
"""

import json
import os
import platform
import sys

# caps::default_container_caps(): Docker's default set minus NET_RAW, MKNOD, AUDIT_WRITE and
# SETFCAP.
CAPS = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID",
    "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
]
# The Docker profile's arch names for this host (Go's GOARCH and the libseccomp name).
NATIVE_ARCHES = {"amd64", "x86_64"}
ARCHITECTURES = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]


def kernel_version():
    parts = []
    for piece in platform.release().split("-")[0].split(".")[:2]:
        parts.append(int("".join(c for c in piece if c.isdigit()) or 0))
    return tuple(parts)


def parse_version(text):
    return tuple(int(x) for x in text.split(".")[:2])


def applies(rule, caps, kernel):
    inc = rule.get("includes", {})
    exc = rule.get("excludes", {})
    if inc.get("caps") and not all(c in caps for c in inc["caps"]):
        return False
    if inc.get("arches") and not NATIVE_ARCHES & set(inc["arches"]):
        return False
    if inc.get("minKernel") and kernel < parse_version(inc["minKernel"]):
        return False
    if exc.get("caps") and any(c in caps for c in exc["caps"]):
        return False
    if exc.get("arches") and NATIVE_ARCHES & set(exc["arches"]):
        return False
    if exc.get("minKernel") and kernel >= parse_version(exc["minKernel"]):
        return False
    return True


def flatten(profile, caps):
    kernel = kernel_version()
    out = {"defaultAction": profile["defaultAction"], "architectures": ARCHITECTURES,
           "syscalls": []}
    if "defaultErrnoRet" in profile:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    for rule in profile["syscalls"]:
        if not applies(rule, caps, kernel):
            continue
        flat = {"names": rule["names"], "action": rule["action"]}
        for key in ("args", "errnoRet"):
            if key in rule:
                flat[key] = rule[key]
        out["syscalls"].append(flat)
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    bundle, rootfs, profile_path = sys.argv[1:]
    config_path = os.path.join(bundle, "config.json")
    with open(config_path) as f:
        config = json.load(f)
    with open(profile_path) as f:
        profile = json.load(f)

    config["root"] = {"path": os.path.abspath(rootfs), "readonly": True}
    process = config["process"]
    process["terminal"] = False
    process["args"] = ["/bin/true"]
    process["noNewPrivileges"] = True
    process["capabilities"] = {
        "bounding": CAPS, "effective": CAPS, "permitted": CAPS, "inheritable": [], "ambient": [],
    }
    config["linux"]["seccomp"] = flatten(profile, set(CAPS))

    with open(config_path, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
