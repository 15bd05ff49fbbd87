"""Kamailio on loopback for the tests, rendered from the project's template
against the test database, plus what the tests use as phones: baresip (a
real softphone, headless) and a small digest REGISTER client that lets a test
replay a nonce or send ``Expires: 0`` exactly when it wants.

Ports: SIP 5260 (UDP and TCP) and 5361 (TLS); the phones 5261-5299."""

import hashlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time

from odoo.tools import config

from ..kamailio.render import parse_args, render

KAMAILIO = shutil.which("kamailio") or "/usr/sbin/kamailio"
BARESIP = shutil.which("baresip") or "/usr/bin/baresip"
SIP_PORT = 5260
TLS_PORT = 5361
BARESIP_MODULES = "/usr/lib/baresip/modules"


def database_url(dbname):
    """Kamailio's URL of the test database, as Odoo connects to it (local
    socket and the OS user when Odoo's configuration names none)."""
    user = config["db_user"] or os.environ.get("USER") or "root"
    password = config["db_password"] or ""
    host = config["db_host"] or ""
    port = f":{config['db_port']}" if config["db_port"] and host else ""
    credentials = f"{user}:{password}" if password else user
    return f"postgres://{credentials}@{host}{port}/{dbname}"


class KamailioProcess:
    """Kamailio rendered and started as in production, stopped by ``stop``."""

    def __init__(self, odoo_url, secret, dbname, nonce_expire=300):
        self.workdir = tempfile.mkdtemp(prefix="calendoc-kamailio-")
        options = parse_args(
            [
                "--out",
                self.workdir,
                "--listen",
                f"udp:127.0.0.1:{SIP_PORT}",
                "--listen",
                f"tcp:127.0.0.1:{SIP_PORT}",
                "--listen",
                f"tls:127.0.0.1:{TLS_PORT}",
                "--odoo-url",
                odoo_url,
                "--trunk-from",
                "127.0.0.1/32",
                "--nonce-expire",
                str(nonce_expire),
                "--children",
                "1",
                "--log-stderr",
            ]
        )
        self.config = render(options, secret, database_url(dbname))
        self.log_path = os.path.join(self.workdir, "kamailio.log")
        self.process = None

    def start(self):
        log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            [KAMAILIO, "-f", self.config, "-DD", "-E", "-m", "48", "-M", "8"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self.options_ok():
                return
            time.sleep(0.1)
        raise AssertionError("Kamailio did not start:\n" + self.log())

    def options_ok(self):
        """Kamailio answers an OPTIONS ping on its UDP port."""
        tag = secrets.token_hex(4)
        message = (
            f"OPTIONS sip:127.0.0.1:{SIP_PORT} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:5299;branch=z9hG4bK{tag};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:probe@127.0.0.1>;tag={tag}\r\n"
            f"To: <sip:127.0.0.1:{SIP_PORT}>\r\n"
            f"Call-ID: probe-{tag}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.3)
            try:
                sock.sendto(message.encode(), ("127.0.0.1", SIP_PORT))
                return sock.recv(4096).startswith(b"SIP/2.0 200")
            except OSError:
                return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-6000:]

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class Baresip:
    """baresip as a secretary's phone: no audio device, no user interface,
    one account registering through Kamailio; ``stop`` unregisters."""

    def __init__(self, extension, password, port, transport="udp"):
        self.workdir = tempfile.mkdtemp(prefix="calendoc-baresip-")
        with open(os.path.join(self.workdir, "config"), "w", encoding="utf-8") as f:
            f.write(
                f"sip_listen 127.0.0.1:{port}\n"
                f"sip_trans_def {transport}\n"
                f"module_path {BARESIP_MODULES}\n"
                "module g711.so\n"
                "module_app account.so\n"
                "audio_player ausine,nil\naudio_source ausine,nil\n"
                "audio_alert ausine,nil\n"
            )
        target = SIP_PORT if transport != "tls" else TLS_PORT
        with open(os.path.join(self.workdir, "accounts"), "w", encoding="utf-8") as f:
            f.write(
                f"<sip:{extension}@127.0.0.1:{target};transport={transport}>"
                f";auth_pass={password};regint=600\n"
            )
        self.log_path = os.path.join(self.workdir, "baresip.log")
        log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            [BARESIP, "-f", self.workdir],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def wait_for(self, pattern, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.log()):
                return True
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        return bool(re.search(pattern, self.log()))

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def cleanup(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _md5(text):
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class DigestPhone:
    """A phone's REGISTERs over UDP, with RFC 2617 digest (qop=auth): each
    step visible, so that a test can reuse a nonce past its lifetime."""

    def __init__(self, extension, password, port, realm="calendoc"):
        self.extension = extension
        self.password = password
        self.port = port
        # where the phone is rung (another port than the REGISTERs' when a
        # SIPp phone listens there)
        self.contact_port = port
        self.realm = realm
        self.call_id = f"reg-{secrets.token_hex(6)}"
        self.tag = secrets.token_hex(4)
        self.cseq = 0
        self.challenge = None
        self.nc = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(3)

    def close(self):
        self.sock.close()

    def register(self, expires=600, authorize=True):
        """(status, headers text) of one REGISTER; with ``authorize``, signed
        with the last challenge received (its nonce, the next nc)."""
        self.cseq += 1
        branch = secrets.token_hex(6)
        uri = f"sip:127.0.0.1:{SIP_PORT}"
        authorization = ""
        if authorize and self.challenge:
            self.nc += 1
            nc = f"{self.nc:08x}"
            cnonce = secrets.token_hex(4)
            ha1 = _md5(f"{self.extension}:{self.realm}:{self.password}")
            ha2 = _md5(f"REGISTER:{uri}")
            nonce = self.challenge["nonce"]
            response = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            authorization = (
                f'Authorization: Digest username="{self.extension}", '
                f'realm="{self.realm}", nonce="{nonce}", uri="{uri}", '
                f'response="{response}", algorithm=MD5, qop=auth, nc={nc}, '
                f'cnonce="{cnonce}"\r\n'
            )
        message = (
            f"REGISTER {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{branch};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:{self.extension}@127.0.0.1>;tag={self.tag}\r\n"
            f"To: <sip:{self.extension}@127.0.0.1>\r\n"
            f"Call-ID: {self.call_id}\r\n"
            f"CSeq: {self.cseq} REGISTER\r\n"
            f"Contact: <sip:{self.extension}@127.0.0.1:{self.contact_port}>\r\n"
            f"{authorization}"
            f"Expires: {expires}\r\n"
            "User-Agent: CalenDoc test phone\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        self.sock.sendto(message.encode(), ("127.0.0.1", SIP_PORT))
        while True:
            answer = self.sock.recv(65535).decode("utf-8", "replace")
            status = int(answer.split(" ", 2)[1])
            if status >= 200:
                break
        found = re.search(r"^WWW-Authenticate: *Digest (.*)$", answer, re.M | re.I)
        if found:
            self.challenge = dict(re.findall(r'(\w+)="?([^",]*)"?', found.group(1)))
            self.nc = 0
        return status, answer

    def login(self, expires=600):
        """Challenge then authorised REGISTER: the final status."""
        status, answer = self.register(expires, authorize=False)
        if status == 401:
            status, answer = self.register(expires)
        return status, answer
