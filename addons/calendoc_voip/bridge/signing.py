"""The signature of every request between Odoo and the bridge (both ways).

Headers: ``X-Calendoc-Timestamp`` (epoch seconds), ``X-Calendoc-Nonce`` (random,
used once) and ``X-Calendoc-Signature``: hex HMAC-SHA256 with the shared secret
of ``timestamp + "." + nonce + "." + body``. The receiver refuses a bad
signature, a timestamp more than 5 minutes away and a nonce already seen.
This module has no dependency: the bridge imports it as is.
"""

import hashlib
import hmac
import re
import secrets
import time

HEADER_TIMESTAMP = "X-Calendoc-Timestamp"
HEADER_NONCE = "X-Calendoc-Nonce"
HEADER_SIGNATURE = "X-Calendoc-Signature"
# epoch seconds: ASCII digits, few enough for a float (up to the year 5138)
TIMESTAMP = re.compile(r"[0-9]{1,11}")
# what signed_headers makes (hex), and what another signer may: no NUL, no
# space, nothing a database or a log line would choke on
NONCE = re.compile(r"[0-9A-Za-z_-]{8,64}")


def signature(secret, timestamp, nonce, body):
    """Hex HMAC-SHA256 of ``timestamp.nonce.body`` (``body`` in bytes)."""
    message = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret, body, now=None):
    """The three headers signing ``body`` (bytes) now."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    return {
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(secret, timestamp, nonce, body),
        "Content-Type": "application/json",
    }


def verify(secret, headers, body, max_skew, now=None, compare=hmac.compare_digest):
    """Return ``(ok, reason, nonce)``; ``headers`` is a mapping, case-insensitive
    or with the exact names above. The nonce is left to the caller to record."""
    timestamp = headers.get(HEADER_TIMESTAMP) or ""
    nonce = headers.get(HEADER_NONCE) or ""
    given = headers.get(HEADER_SIGNATURE) or ""
    if not (timestamp and nonce and given):
        return False, "unsigned request", nonce
    # str.isdigit() would take "²" (int() does not) and any number of digits
    if not TIMESTAMP.fullmatch(timestamp) or not NONCE.fullmatch(nonce):
        return False, "malformed signature headers", nonce
    now = now if now is not None else time.time()
    if abs(now - int(timestamp)) > max_skew:
        return False, "timestamp outside the accepted window", nonce
    # compared as bytes: a non-ASCII signature is a wrong one, not an error
    expected = signature(secret, timestamp, nonce, body).encode()
    if not compare(expected, given.encode("utf-8", "surrogatepass")):
        return False, "bad signature", nonce
    return True, "", nonce
