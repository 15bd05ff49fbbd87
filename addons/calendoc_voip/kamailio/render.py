"""Render CalenDoc's Kamailio configuration (kamailio.cfg.tmpl) into a directory.

    export CALENDOC_VOIP_SECRET=...          # Odoo's calendoc_voip.secret
    export CALENDOC_KAMAILIO_DB_URL=postgres://kamailio:...@127.0.0.1/calendoc
    python3 addons/calendoc_voip/kamailio --out /etc/calendoc/kamailio \\
        --listen udp:10.0.0.5:5060 --listen tcp:10.0.0.5:5060 \\
        --listen tls:10.0.0.5:5061 --advertise sip.example.org \\
        --odoo-url http://127.0.0.1:8069 --trunk-from 203.0.113.0/28
    kamailio -f /etc/calendoc/kamailio/kamailio.cfg -DD -E

The secret and the database URL (it may hold a password) come from the
environment (or --secret-file), never the command line; the rendered files
that hold them are readable by their owner only. With no --tls-cert, a
self-signed certificate is made in the directory (tests, first start).
Standard library only, as the bridge.
"""

import argparse
import hashlib
import hmac
import ipaddress
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BRIDGE = os.path.join(os.path.dirname(HERE), "bridge")
LISTEN = re.compile(r"(udp|tcp|tls):([0-9A-Za-z.:\[\]-]+):([0-9]{1,5})")
SAFE = re.compile(r"[0-9A-Za-z_.:/@%+=,\[\]-]*")


def _safe(name, value):
    """``value``, refused when it could break out of a quoted cfg string."""
    if not SAFE.fullmatch(value):
        raise ValueError(f"{name}: characters not allowed in {value!r:.60}")
    return value


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="directory to write to")
    parser.add_argument(
        "--listen",
        action="append",
        required=True,
        help="proto:address:port, as udp:10.0.0.5:5060 (repeat: udp, tcp, tls)",
    )
    parser.add_argument(
        "--advertise",
        default="",
        help="host or public address the phones and trunk reach (NAT, 0.0.0.0)",
    )
    parser.add_argument("--odoo-url", required=True, help="Odoo, as the bridge")
    parser.add_argument("--realm", default="calendoc", help="digest realm")
    parser.add_argument(
        "--trunk-from",
        action="append",
        default=[],
        help="network the operator's trunk sends from (repeat; 127.0.0.1/32)",
    )
    parser.add_argument("--nonce-expire", type=int, default=300)
    parser.add_argument("--pike-density", type=int, default=16)
    parser.add_argument("--children", type=int, default=2)
    parser.add_argument("--debug", type=int, default=2, help="Kamailio log level")
    parser.add_argument("--log-stderr", action="store_true")
    parser.add_argument("--tls-cert", help="PEM certificate (default: self-signed)")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--secret-file", help="instead of CALENDOC_VOIP_SECRET")
    return parser.parse_args(argv)


def render(options, secret, db_url):
    """Write kamailio.cfg, tls.cfg, the signer and the secret into
    ``options.out``; return the path of kamailio.cfg."""
    out = os.path.abspath(options.out)
    os.makedirs(out, mode=0o700, exist_ok=True)
    listen = []
    for item in options.listen:
        if not LISTEN.fullmatch(item):
            raise ValueError(f"--listen: {item!r} is not proto:address:port")
        line = f"listen={item}"
        if options.advertise:
            port = item.rsplit(":", 1)[1]
            line += f" advertise {_safe('--advertise', options.advertise)}:{port}"
        listen.append(line)
    nets = [str(ipaddress.ip_network(net)) for net in options.trunk_from]
    cert, key = options.tls_cert, options.tls_key
    if not cert:
        cert, key = os.path.join(out, "tls-cert.pem"), os.path.join(out, "tls-key.pem")
        if not os.path.exists(cert):
            subprocess.run(
                [
                    "openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "825",
                    "-subj",
                    f"/CN={options.advertise or options.realm}",
                    "-keyout",
                    key,
                    "-out",
                    cert,
                ],
                check=True,
                capture_output=True,
            )
    _write(
        os.path.join(out, "tls.cfg"),
        "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\n"
        f"require_certificate = no\nprivate_key = {key}\ncertificate = {cert}\n\n"
        "[client:default]\nmethod = TLSv1.2+\nverify_certificate = no\n"
        "require_certificate = no\n",
    )
    secret_file = os.path.join(out, "secret")
    _write(secret_file, secret + "\n")
    with open(os.path.join(HERE, "calendoc_sign.py.tmpl"), encoding="utf-8") as f:
        signer = f.read()
    signer = signer.replace("{{bridge_dir}}", json.dumps(BRIDGE))
    signer = signer.replace("{{secret_file}}", json.dumps(secret_file))
    signer_path = os.path.join(out, "calendoc_sign.py")
    _write(signer_path, signer)
    values = {
        "db_url": _safe("database URL", db_url),
        "realm": _safe("--realm", options.realm),
        "odoo_url": _safe("--odoo-url", options.odoo_url.rstrip("/")),
        "trunk_from": ",".join(nets or ["127.0.0.1/32"]),
        "debug": str(int(options.debug)),
        "log_stderror": "yes" if options.log_stderr else "no",
        "children": str(max(1, int(options.children))),
        "listen": "\n".join(listen),
        # the auth module's nonces: signed with a key of their own, derived
        # from the shared secret (nonces made before a restart stay valid)
        "nonce_secret": hmac.new(
            secret.encode(), b"kamailio-nonce", hashlib.sha256
        ).hexdigest()[:32],
        "nonce_expire": str(max(1, int(options.nonce_expire))),
        "pike_density": str(max(1, int(options.pike_density))),
        "tls_config": os.path.join(out, "tls.cfg"),
        "signer": signer_path,
    }
    with open(os.path.join(HERE, "kamailio.cfg.tmpl"), encoding="utf-8") as f:
        text = f.read()
    for name, value in values.items():
        text = text.replace("{{%s}}" % name, value)
    left = re.search(r"\{\{[a-z_]+\}\}", text)
    if left:
        raise ValueError(f"kamailio.cfg.tmpl: {left.group(0)} has no value")
    path = os.path.join(out, "kamailio.cfg")
    _write(path, text)
    return path


def _write(path, text):
    """``text`` into ``path``, readable by its owner only (secrets inside)."""
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(path + ".tmp", path)


def main(argv=None):
    options = parse_args(argv)
    if options.secret_file:
        with open(options.secret_file, encoding="utf-8") as handle:
            secret = handle.read().strip()
    else:
        secret = os.environ.get("CALENDOC_VOIP_SECRET", "")
    db_url = os.environ.get("CALENDOC_KAMAILIO_DB_URL", "")
    if not secret or not db_url:
        sys.stderr.write(
            "CALENDOC_VOIP_SECRET (or --secret-file) and CALENDOC_KAMAILIO_DB_URL "
            "are required\n"
        )
        return 2
    try:
        path = render(options, secret, db_url)
    except ValueError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    sys.stdout.write(path + "\n")
    return 0
