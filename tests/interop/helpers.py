"""Running real IKE daemons for the interop tests: finding the binaries, starting and stopping them by PID,
waiting (always with a deadline) for their log lines, and network namespaces made and deleted by the tests.

Everything stays on loopback or inside network namespaces created here (10.99.x addresses, inside the namespaces
only); nothing is sent anywhere else. See ``../shared/reference/interop-recipes.md`` for the recipes.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

#: CI installs every daemon (.ci/run): there a missing binary fails the test instead of skipping it
CI = bool(os.environ.get("CI"))
CHARON = "/usr/lib/ipsec/charon"
CHARON_OPENSSL = "/usr/lib/ipsec/plugins/libstrongswan-openssl.so"
#: where .ci/run unpacks Debian's libreswan package (it conflicts with strongSwan's, so it is not installed)
LIBRESWAN_ROOT = Path(os.environ.get("IKESIM_LIBRESWAN_ROOT", "/opt/ikesim-libreswan"))
INSTALL_HINT = {
    "charon": "apt-get install strongswan-charon strongswan-swanctl",
    "swanctl": "apt-get install strongswan-swanctl",
    "charon openssl plugin": "apt-get install libstrongswan-standard-plugins (3DES and AES come from it)",
    "ike-scan": "apt-get install ike-scan",
    "pluto": f"apt-get download libreswan && dpkg -x libreswan_*.deb {LIBRESWAN_ROOT} (see .ci/run)",
    "whack": f"apt-get download libreswan && dpkg -x libreswan_*.deb {LIBRESWAN_ROOT} (see .ci/run)",
    "certutil": "apt-get install libnss3-tools",
    "ip": "apt-get install iproute2",
    "unshare": "apt-get install util-linux",
}


def missing(what: str, detail: str) -> None:
    """A binary is missing: skip, or fail under CI (where .ci/run installs it)."""
    text = f"{what} not available ({detail}); install with: {INSTALL_HINT.get(what, '?')}"
    if CI:
        pytest.fail(f"CI is set, so this is a failure: {text}")
    pytest.skip(text)


def need(what: str, path: str | None = None, *, executable: bool = True) -> str:
    """The path of binary ``what`` (``path`` if given, else found on PATH); skips/fails if absent. With
    ``executable=False`` any existing file will do (a plugin)."""
    if path:
        found = path if os.access(path, os.X_OK if executable else os.R_OK) else None
    else:
        found = shutil.which(what)
    if not found:
        missing(what, f"{path or what} not found")
    return found


def cannot_start(what: str, why: str) -> None:
    pytest.skip(f"{what} cannot start here: {why}")


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def run(argv: list[str], timeout: float = 10.0, **kw) -> subprocess.CompletedProcess:
    """A short command, bounded by ``timeout``; output captured as text."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


class Daemon:
    """One background process, its output in ``log``; stopped by its PID (SIGTERM, then SIGKILL)."""

    def __init__(self, name: str, argv: list[str], log: Path, env: dict | None = None, logfile: Path | None = None):
        self.name = name
        self.argv = argv
        self.log = log
        self.logfile = logfile or log  # where the daemon writes its log (pluto: its own logfile)
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Daemon":
        out = open(self.log, "wb")
        try:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=self.env, start_new_session=True)
        finally:
            out.close()
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def text(self) -> str:
        parts = []
        for path in dict.fromkeys([self.logfile, self.log]):
            try:
                parts.append(Path(path).read_text(errors="replace"))
            except FileNotFoundError:
                pass
        return "\n".join(parts)

    def wait_for(self, pattern: str, timeout: float) -> re.Match | None:
        """The first match of ``pattern`` in the daemon's log within ``timeout`` s (None if none, or it died)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.text())
            if match or time.monotonic() >= deadline or not self.alive():
                return match or regex.search(self.text())
            time.sleep(0.05)

    def stop(self, timeout: float = 3.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            except ProcessLookupError:
                pass
        self.proc.wait(5)


class Netns:
    """Two network namespaces joined by a veth pair: ``a`` = 10.99.N.1/24, ``b`` = 10.99.N.2/24."""

    def __init__(self):
        tag = os.getpid() % 100000
        self.net = 10 + os.getpid() % 240
        self.a, self.b = f"ikesim{tag}a", f"ikesim{tag}b"
        self.veth_a, self.veth_b = f"iks{tag}a", f"iks{tag}b"
        self.addr_a, self.addr_b = f"10.99.{self.net}.1", f"10.99.{self.net}.2"

    def create(self) -> "Netns":
        ip = need("ip")
        steps = [
            [ip, "netns", "add", self.a],
            [ip, "netns", "add", self.b],
            [ip, "link", "add", self.veth_a, "type", "veth", "peer", "name", self.veth_b],
            [ip, "link", "set", self.veth_a, "netns", self.a],
            [ip, "link", "set", self.veth_b, "netns", self.b],
            [ip, "-n", self.a, "addr", "add", f"{self.addr_a}/24", "dev", self.veth_a],
            [ip, "-n", self.b, "addr", "add", f"{self.addr_b}/24", "dev", self.veth_b],
        ]
        for ns, veth in ((self.a, self.veth_a), (self.b, self.veth_b)):
            steps += [[ip, "-n", ns, "link", "set", "lo", "up"], [ip, "-n", ns, "link", "set", veth, "up"]]
        for argv in steps:
            done = run(argv)
            if done.returncode != 0:
                self.delete()
                cannot_start("network namespaces", f"{' '.join(argv)}: {done.stderr.strip()}")
        ok = wait_until(lambda: run([ip, "netns", "exec", self.a, "ping", "-c", "1", "-W", "1", self.addr_b],
                                    timeout=3).returncode == 0, 5, 0.1) if shutil.which("ping") else True
        if not ok:
            self.delete()
            cannot_start("network namespaces", "the veth pair does not pass traffic")
        return self

    def exec_prefix(self, ns: str) -> list[str]:
        return [need("ip"), "netns", "exec", ns]

    def delete(self) -> None:
        ip = shutil.which("ip") or "ip"
        for ns in (self.a, self.b):
            run([ip, "netns", "del", ns])
        for veth in (self.veth_a, self.veth_b):  # gone with the namespaces; left over only if moving it failed
            if Path(f"/sys/class/net/{veth}").exists():
                run([ip, "link", "del", veth])


# -- strongSwan charon ------------------------------------------------------------------------------------------------

def strongswan_conf(directory: Path, port: int, nat_t_port: int) -> Path:
    conf = directory / "strongswan.conf"
    conf.write_text(f"""\
charon {{
  port = {port}
  port_nat_t = {nat_t_port}
  load = random nonce openssl pem pkcs1 x509 kdf hmac sha1 sha2 aes md5 gmp vici socket-default kernel-netlink
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = 2
  retransmit_timeout = 0.5
  retransmit_base = 1.4
  filelog {{
    stdout {{
      path = /dev/stdout
      default = 1
      ike = 1
      flush_line = yes
    }}
  }}
  plugins {{
    vici {{
      socket = unix://{directory}/charon.vici
    }}
  }}
}}
swanctl {{
  load = random openssl pem pkcs1 x509
}}
""")
    return conf


def swanctl_conf(directory: Path, *, local: str, remote: str, local_port: int, psk: str, proposals: str,
                 remote_port: int | None = None) -> Path:
    """One IKEv1 Main Mode PSK connection ``lab``; rekey_time 24 h so that charon proposes a lifetime an ASA with
    lifetime 86400 accepts (the ASA takes a transform only if its own lifetime is not longer)."""
    conf = directory / "swanctl.conf"
    remote_port_line = f"    remote_port = {remote_port}\n" if remote_port else ""
    conf.write_text(f"""\
connections {{
  lab {{
    version = 1
    aggressive = no
    rekey_time = 24h
    local_addrs = {local}
    remote_addrs = {remote}
    local_port = {local_port}
{remote_port_line}    proposals = {proposals}
    local {{
      auth = psk
      id = {local}
    }}
    remote {{
      auth = psk
      id = %any
    }}
    children {{
      c {{
        local_ts = {local}/32
        remote_ts = {remote}/32
        mode = transport
      }}
    }}
  }}
}}
secrets {{
  ike-lab {{
    id-1 = {local}
    secret = "{psk}"
  }}
}}
""")
    return conf


class Charon:
    """charon on the host's loopback, in a private mount namespace (its pid file is fixed at /run/charon.pid: a
    tmpfs on /run keeps it away from any other charon), controlled through its own vici socket."""

    def __init__(self, directory: Path, *, address: str, port: int, nat_t_port: int):
        self.charon = need("charon", CHARON)
        need("charon openssl plugin", CHARON_OPENSSL, executable=False)
        self.swanctl = need("swanctl")
        self.unshare = need("unshare")
        self.dir = directory
        self.address = address
        self.port = port
        self.conf = strongswan_conf(directory, port, nat_t_port)
        self.env = dict(os.environ, STRONGSWAN_CONF=str(self.conf))
        self.uri = f"unix://{directory}/charon.vici"
        self.daemon = Daemon("charon", [self.unshare, "-m", "sh", "-c",
                                        f"mount -t tmpfs none /run && exec {self.charon}"],
                             directory / "charon.log", env=self.env)

    def start(self, **connection) -> "Charon":
        self.daemon.start()
        if not wait_until(lambda: (self.dir / "charon.vici").exists() or not self.daemon.alive(), 5):
            self.stop()
            cannot_start("charon", f"no vici socket after 5 s: {self.daemon.text()[-500:]}")
        if not self.daemon.alive():
            cannot_start("charon", self.daemon.text()[-500:])
        conf = swanctl_conf(self.dir, local=self.address, local_port=self.port, **connection)
        done = run([self.swanctl, "--load-all", "--uri", self.uri, "--file", str(conf)], env=self.env)
        if done.returncode != 0:
            self.stop()
            cannot_start("charon", f"swanctl --load-all failed: {done.stdout}{done.stderr}")
        return self

    def initiate_argv(self, timeout: int = 3) -> list[str]:
        """``swanctl --initiate`` of the IKE SA only (no CHILD_SA), returning after ``timeout`` s at most."""
        return [self.swanctl, "--initiate", "--ike", "lab", "--timeout", str(timeout), "--uri", self.uri]

    def list_sas(self) -> str:
        return run([self.swanctl, "--list-sas", "--uri", self.uri], env=self.env).stdout

    def log(self) -> str:
        return self.daemon.text()

    def stop(self) -> None:
        self.daemon.stop()


# -- libreswan pluto --------------------------------------------------------------------------------------------------

def pluto_root() -> Path:
    root = LIBRESWAN_ROOT
    need("pluto", str(root / "usr/libexec/ipsec/pluto"))
    need("whack", str(root / "usr/libexec/ipsec/whack"))
    return root


class Pluto:
    """pluto from the unpacked Debian package, inside network namespace ``ns``, in a private mount namespace where the
    unpacked ``usr/libexec`` is bind-mounted over ``/usr/libexec`` (pluto runs ``/usr/libexec/ipsec/addconn`` by that
    fixed path). Its own ipsec.conf, secrets, NSS database, run and log folders under ``directory``."""

    def __init__(self, directory: Path, ns: Netns, *, left: str, right: str, psk: str, ike: str,
                 ikepad: bool = True, ikelifetime: str = "24h"):
        self.root = pluto_root()
        self.certutil = need("certutil")
        self.unshare = need("unshare")
        self.dir = directory
        self.ns = ns
        self.run_dir = directory / "run"
        self.logfile = directory / "pluto.log"
        self.conf = directory / "ipsec.conf"
        for sub in ("run", "nss", "ipsec.d"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        (directory / "ipsec.secrets").write_text(f'{left} {right} : PSK "{psk}"\n')
        pad = "" if ikepad else "    ikepad=no\n"
        self.conf.write_text(f"""\
config setup
    ikev1-policy=accept
    logfile={self.logfile}
    ipsecdir={directory / 'ipsec.d'}
    nssdir={directory / 'nss'}
    secretsfile={directory / 'ipsec.secrets'}
    dumpdir={self.run_dir}
    plutodebug=none

conn lab
    keyexchange=ike
    ikev2=no
    authby=secret
    ike={ike}
    ikelifetime={ikelifetime}
    left={left}
    right={right}
{pad}    auto=add
""")
        libexec = self.root / "usr/libexec"
        pluto = libexec / "ipsec/pluto"
        self.daemon = Daemon("pluto", ns.exec_prefix(ns.b) + [
            self.unshare, "-m", "sh", "-c",
            f"mount --bind {libexec} /usr/libexec && exec {pluto} --nofork --config {self.conf} "
            f"--rundir {self.run_dir}"], directory / "pluto.stdout", logfile=self.logfile)

    def start(self) -> "Pluto":
        done = run([self.certutil, "-N", "-d", f"sql:{self.dir / 'nss'}", "--empty-password"])
        if done.returncode != 0:
            cannot_start("pluto", f"certutil -N failed: {done.stderr.strip()}")
        self.daemon.start()
        if self.daemon.wait_for(r'"lab": added IKEv1 connection', 5) is None or \
                self.daemon.wait_for(r"adding UDP interface \S+ [0-9.]+:500", 5) is None:
            text = self.daemon.text()[-800:]
            self.stop()
            cannot_start("pluto", f"it did not load the connection or listen within 5 s: {text}")
        return self

    def whack(self, *args: str, timeout: float = 5.0) -> str:
        done = run([str(self.root / "usr/libexec/ipsec/whack"), "--ctlsocket", str(self.run_dir / "pluto.ctl"),
                    *args], timeout=timeout)
        return done.stdout + done.stderr

    def log(self) -> str:
        return self.daemon.text()

    def stop(self) -> None:
        self.daemon.stop()
