"""A local SMTP server that keeps the e-mails it is sent: the tests read the
sign-in codes Odoo e-mails to the staff from it, and `make run` prints them on
its console (the demo has no mail server).

usage: python3 smtp_sink.py [HOST:PORT]   (127.0.0.1:2525 by default)

Only what Odoo's SMTP client says is understood (HELO/EHLO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT; no TLS, no authentication): it is meant for the loopback."""

import email
import email.policy
import html
import re
import socketserver
import sys
import threading


class _Session(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, code, text):
        self.wfile.write(f"{code} {text}\r\n".encode())

    def handle(self):
        self.reply(220, "CalenDoc mail sink")
        recipients = []
        while line := self.rfile.readline(65536):
            verb = line[:4].upper()
            if verb in (b"HELO", b"EHLO"):
                self.reply(250, "CalenDoc mail sink")
            elif verb == b"MAIL":
                recipients = []
                self.reply(250, "OK")
            elif verb == b"RCPT":
                recipients.append(line[8:].strip(b" <>\r\n").decode())
                self.reply(250, "OK")
            elif verb == b"DATA":
                self.reply(354, "End data with <CR><LF>.<CR><LF>")
                self.server.received(recipients, self.read_data())
                self.reply(250, "OK: kept")
            elif verb in (b"RSET", b"NOOP"):
                recipients = [] if verb == b"RSET" else recipients
                self.reply(250, "OK")
            elif verb == b"QUIT":
                self.reply(221, "Bye")
                return
            else:
                self.reply(502, "Command not implemented")

    def read_data(self):
        lines = []
        while (line := self.rfile.readline(65536)) not in (b".\r\n", b".\n", b""):
            # a leading dot was doubled by the client (RFC 5321, 4.5.2)
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


class SmtpSink(socketserver.ThreadingTCPServer):
    """``with SmtpSink() as sink:`` serves on a free loopback port
    (``sink.port``) in a thread; ``sink.messages`` holds what it was sent, as
    :class:`email.message.EmailMessage` with the envelope's recipients in
    ``x-envelope-to``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host="127.0.0.1", port=0, on_message=None):
        super().__init__((host, port), _Session)
        self.port = self.server_address[1]
        self.messages = []
        self.on_message = on_message
        self._lock = threading.Lock()

    def received(self, recipients, data):
        message = email.message_from_bytes(data, policy=email.policy.default)
        message["x-envelope-to"] = ", ".join(recipients)
        with self._lock:
            self.messages.append(message)
        if self.on_message:
            self.on_message(message)

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


def text_of(message):
    """The readable text of ``message``: its plain part, or its HTML part
    without the tags."""
    part = message.get_body(("plain", "html"))
    content = part.get_content() if part else ""
    if part and part.get_content_subtype() == "html":
        content = html.unescape(re.sub(r"<[^>]+>", " ", content))
    return re.sub(r"\s+", " ", content).strip()


def _print(message):
    sys.stdout.write(
        f"\n[mail] to {message['x-envelope-to']}: {message['subject']}\n"
        f"       {text_of(message)}\n"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    host, _sep, port = (
        sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:2525"
    ).rpartition(":")
    with SmtpSink(host, int(port), on_message=_print):
        sys.stdout.write(f"[mail] e-mails sent to {host}:{port} are printed here\n")
        sys.stdout.flush()
        threading.Event().wait()
