import time

from odoo.tests import TransactionCase, tagged

from ..bridge.signing import (
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    signature,
    signed_headers,
    verify,
)
from ..bridge.sipmessage import Message, SipError

SECRET = "signing-secret-0123"
BODY = b'{"event": "ringing"}'


@tagged("post_install", "-at_install")
class TestSigning(TransactionCase):
    """The signature check Odoo and the bridge both run (bridge/signing.py):
    every malformed header is a refusal with its reason, never an exception."""

    def headers(self, **parts):
        headers = signed_headers(SECRET, BODY)
        headers.update(parts)
        return headers

    def test_a_signed_body_is_accepted_once_signed(self):
        headers = self.headers()
        self.assertEqual(
            verify(SECRET, headers, BODY, 300), (True, "", headers[HEADER_NONCE])
        )
        self.assertEqual(verify(SECRET, headers, BODY + b" ", 300)[1], "bad signature")

    def test_timestamps_are_ascii_digits_a_float_can_hold(self):
        for stamp in ("²", "１７００００００００", "9" * 400, "-1", "1.5", "1\x00"):
            with self.subTest(timestamp=stamp):
                nonce = "a1b2c3d4e5f6"
                headers = {
                    HEADER_TIMESTAMP: stamp,
                    HEADER_NONCE: nonce,
                    HEADER_SIGNATURE: signature(SECRET, stamp, nonce, BODY),
                }
                self.assertEqual(
                    verify(SECRET, headers, BODY, 300)[:2],
                    (False, "malformed signature headers"),
                )
        old = str(int(time.time()) - 3600)
        headers = {
            HEADER_TIMESTAMP: old,
            HEADER_NONCE: "a1b2c3d4e5f6",
            HEADER_SIGNATURE: signature(SECRET, old, "a1b2c3d4e5f6", BODY),
        }
        self.assertEqual(
            verify(SECRET, headers, BODY, 300)[1],
            "timestamp outside the accepted window",
        )

    def test_nonces_are_short_plain_words(self):
        stamp = str(int(time.time()))
        for nonce in (
            "abcd\x00efgh",
            "Ѕесrеt-Ѕесrеt",
            "short",
            "x" * 65,
            "a b c d e f",
        ):
            with self.subTest(nonce=nonce):
                headers = {
                    HEADER_TIMESTAMP: stamp,
                    HEADER_NONCE: nonce,
                    HEADER_SIGNATURE: signature(SECRET, stamp, nonce, BODY),
                }
                self.assertEqual(
                    verify(SECRET, headers, BODY, 300)[1], "malformed signature headers"
                )

    def test_a_non_ascii_signature_is_a_bad_signature(self):
        for given in ("Ѕесrеt", "²" * 64, "\x00" * 64):
            with self.subTest(signature=given):
                headers = self.headers(**{HEADER_SIGNATURE: given})
                self.assertEqual(verify(SECRET, headers, BODY, 300)[1], "bad signature")


@tagged("post_install", "-at_install")
class TestSipNumbers(TransactionCase):
    """Numbers a SIP peer sends the bridge are ASCII digits: "²" (which
    ``str.isdigit`` takes and ``int`` refuses) makes a malformed message."""

    HEADERS = (
        "Via: SIP/2.0/UDP 127.0.0.1:5999\r\nFrom: <sip:a@b>;tag=1\r\n"
        "To: <sip:a@b>\r\nCall-ID: x\r\n"
    )

    def test_status_and_length_are_ascii_digits(self):
        for start, extra in (
            ("SIP/2.0 ²00 OK", ""),
            ("SIP/2.0 ２００ OK", ""),
            ("SIP/2.0 200 OK", "Content-Length: ²\r\n"),
        ):
            with self.subTest(start=start, extra=extra):
                with self.assertRaises(SipError):
                    Message.parse(
                        f"{start}\r\n{self.HEADERS}CSeq: 1 INVITE\r\n{extra}\r\n".encode()
                    )

    def test_a_cseq_that_is_no_number_counts_as_none(self):
        message = Message.parse(
            f"OPTIONS sip:x SIP/2.0\r\n{self.HEADERS}CSeq: ² OPTIONS\r\n\r\n".encode()
        )
        self.assertEqual(message.cseq, (0, "OPTIONS"))
