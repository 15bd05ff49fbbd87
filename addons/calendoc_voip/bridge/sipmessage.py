"""The subset of SIP (RFC 3261, UDP) the bridge speaks: parsing and building
requests and responses. No dependency beyond the standard library."""

import re
import secrets

# the longest number a SIP header carries (a CSeq is at most 2**31)
MAX_DIGITS = 10


def is_number(text):
    """Whether ``text`` is a number SIP may carry: ASCII digits, a few of
    them (``str.isdigit`` also takes "²", which ``int`` refuses)."""
    return text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS


COMPACT = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
}
REASONS = {
    100: "Trying",
    180: "Ringing",
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    486: "Busy Here",
    487: "Request Terminated",
    500: "Server Internal Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


class SipError(ValueError):
    """A datagram that is not a SIP message we can answer."""


def new_tag():
    return secrets.token_hex(6)


def new_branch():
    return "z9hG4bK" + secrets.token_hex(8)


class Message:
    """A SIP request (``method``, ``uri``) or response (``status``)."""

    def __init__(self, method=None, uri=None, status=None, reason=None):
        self.method = method
        self.uri = uri
        self.status = status
        self.reason = reason
        self.headers = []  # [(name, value)] in order, names as written
        self.body = b""

    @classmethod
    def parse(cls, data):
        head, _sep, body = data.partition(b"\r\n\r\n")
        try:
            lines = head.decode("utf-8").split("\r\n")
        except UnicodeDecodeError as error:
            raise SipError("not UTF-8") from error
        first = lines[0].split(" ", 2)
        if len(first) != 3:
            raise SipError(f"bad start line {lines[0]!r}")
        if first[0] == "SIP/2.0":
            if not is_number(first[1]):
                raise SipError(f"bad status {first[1]!r}")
            message = cls(status=int(first[1]), reason=first[2])
        elif first[2] == "SIP/2.0" and re.fullmatch(r"[A-Z]+", first[0]):
            message = cls(method=first[0], uri=first[1])
        else:
            raise SipError(f"bad start line {lines[0]!r}")
        for line in lines[1:]:
            if not line:
                continue
            if line[0] in " \t" and message.headers:  # folded line
                name, value = message.headers[-1]
                message.headers[-1] = (name, value + " " + line.strip())
                continue
            name, colon, value = line.partition(":")
            if not colon:
                raise SipError(f"bad header line {line!r}")
            message.headers.append((name.strip(), value.strip()))
        length = message.get("content-length")
        if length is not None:
            if not is_number(length):
                raise SipError("bad Content-Length")
            body = body[: int(length)]
        message.body = body
        for required in ("via", "from", "to", "call-id", "cseq"):
            if message.get(required) is None:
                raise SipError(f"missing {required} header")
        return message

    @staticmethod
    def _canonical(name):
        name = name.lower()
        return COMPACT.get(name, name)

    def get(self, name):
        values = self.get_all(name)
        return values[0] if values else None

    def get_all(self, name):
        wanted = self._canonical(name)
        return [v for n, v in self.headers if self._canonical(n) == wanted]

    def set(self, name, value):
        wanted = self._canonical(name)
        self.headers = [(n, v) for n, v in self.headers if self._canonical(n) != wanted]
        self.headers.append((name, value))

    @property
    def call_id(self):
        return self.get("call-id")

    @property
    def cseq(self):
        number, _sep, method = (self.get("cseq") or "").partition(" ")
        return int(number) if is_number(number) else 0, method.strip()

    def to_bytes(self):
        if self.status is not None:
            first = f"SIP/2.0 {self.status} {self.reason}"
        else:
            first = f"{self.method} {self.uri} SIP/2.0"
        headers = [
            (n, v) for n, v in self.headers if self._canonical(n) != "content-length"
        ]
        headers.append(("Content-Length", str(len(self.body))))
        head = "\r\n".join([first] + [f"{n}: {v}" for n, v in headers])
        return head.encode() + b"\r\n\r\n" + self.body


def response_to(request, status, to_tag=None, body=b"", extra=()):
    """The response ``status`` to ``request`` (Via, From, To, Call-ID, CSeq copied)."""
    response = Message(status=status, reason=REASONS.get(status, "Unknown"))
    for via in request.get_all("via"):
        response.headers.append(("Via", via))
    response.headers.append(("From", request.get("from")))
    to = request.get("to")
    if to_tag and ";tag=" not in to:
        to = f"{to};tag={to_tag}"
    response.headers.append(("To", to))
    response.headers.append(("Call-ID", request.call_id))
    response.headers.append(("CSeq", request.get("cseq")))
    for name, value in extra:
        response.headers.append((name, value))
    if body:
        response.headers.append(("Content-Type", "application/sdp"))
    response.body = body
    return response


def uri_of(header):
    """The URI inside a From/To/Contact value: ``"A" <sip:x@h>;tag=1`` gives sip:x@h."""
    match = re.search(r"<([^>]*)>", header or "")
    if match:
        return match.group(1)
    return (header or "").split(";")[0].strip()


def tag_of(header):
    match = re.search(r";\s*tag=([^;>\s]+)", header or "")
    return match.group(1) if match else None


def user_of(header):
    """The user part of a From/To value (the phone number): sip:0612@h gives 0612."""
    uri = uri_of(header)
    match = re.match(r"(?:sips?|tel):([^@;>]+)", uri)
    return match.group(1) if match else ""


def address_of(uri, default_port=5060):
    """(host, port) of a SIP URI."""
    match = re.match(r"(?:sips?:)?(?:[^@]*@)?([^:;>]+)(?::(\d+))?", uri or "")
    if not match:
        raise SipError(f"bad URI {uri!r}")
    return match.group(1), int(match.group(2) or default_port)
