"""A real SMTP server for Tessera's SMTP transport tests (aiosmtpd, trustme).

Starts on 127.0.0.1 on a free port, prints that port alone on one line of stdout, and
runs until stdin closes or SIGTERM. Every accepted message is written to --out as
N.eml (the raw bytes as received, after the server undid dot-stuffing) and N.json (the
envelope, whether the session used TLS and AUTH, and the message as Python's own email
parser reads it), so the tests check the transport against an independent parser.

Modes (combinable):
  --starttls          offer STARTTLS
  --require-starttls  offer it and refuse mail until it is used
  --implicit-tls      TLS from the first byte (smtps)
  --auth              require AUTH (user "tessera", password "s3cret")
  --auth-plaintext    allow AUTH without TLS (default: only after TLS)
  --auth-mechanisms   comma-separated mechanisms to offer (default: PLAIN,LOGIN)
  --reject-permanent ADDR / --reject-temporary ADDR  answer RCPT for ADDR with 550 / 451
  --cert-name NAME    the names the server certificate is issued for (repeatable;
                      default localhost and 127.0.0.1)
  --ca PATH           where to write the test CA's certificate (PEM)
  --misbehave silent  a fake server instead, that accepts connections and never says a word
  --misbehave inject-after-starttls
                      a fake server that answers STARTTLS with its 220 and, in the same
                      write, a plain-text "250" a man in the middle could have added
"""

import argparse
import asyncio
import base64
import email
import email.policy
import json
import os
import signal
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = b"tessera"
PASSWORD = b"s3cret"


class FreePortController(Controller):
    """Listens on port 0 and learns the port the kernel chose, so parallel tests never collide."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class RecordingHandler:
    def __init__(self, out, reject_permanent, reject_temporary):
        self.out = out
        self.reject_permanent = reject_permanent
        self.reject_temporary = reject_temporary
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject_permanent:
            return "550 5.1.1 <%s>: no such user" % address
        if address in self.reject_temporary:
            return "451 4.3.0 <%s>: mailbox busy, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        with self.lock:
            self.count += 1
            number = self.count
        transport = server.transport
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "tls": session.ssl is not None
            or (transport is not None and transport.get_extra_info("ssl_object") is not None),
            "authenticated": bool(session.authenticated),
            "login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "message": describe(raw),
        }
        base = os.path.join(self.out, str(number))
        # Written under a temporary name and renamed: a reader never sees half a message.
        for suffix, data in ((".eml", raw), (".json", json.dumps(record, indent=2).encode())):
            with open(base + suffix + ".tmp", "wb") as file:
                file.write(data)
            os.replace(base + suffix + ".tmp", base + suffix)
        return "250 2.0.0 accepted as %d" % number


def describe(raw):
    """The message as Python's email package parses it."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    for part in message.iter_parts() if message.is_multipart() else [message]:
        payload = part.get_payload(decode=True) or b""
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            "payload_base64": base64.b64encode(payload).decode(),
        })
    return {
        "headers": [[name, decoded(value)] for name, value in message.items()],
        "content_type": message.get_content_type(),
        "defects": [repr(defect) for defect in message.defects],
        "parts": parts,
    }


def decoded(value):
    """A header as Python decodes it, or why it cannot."""
    try:
        return str(value)
    except Exception as error:  # Python refuses, e.g., an address whose decoded name holds CR or LF
        return "<undecodable: %s>" % error


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == PASSWORD
    # handled=False: aiosmtpd's default (True) sends no reply at all to a failed AUTH.
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


async def misbehaving_server(mode, started):
    """The faults aiosmtpd cannot produce, in a few lines of asyncio."""

    async def serve(reader, writer):
        if mode == "inject-after-starttls":
            writer.write(b"220 fake ESMTP\r\n")
            while line := await reader.readline():
                verb = line.strip().upper()
                if verb.startswith(b"EHLO"):
                    writer.write(b"250-fake\r\n250 STARTTLS\r\n")
                elif verb == b"STARTTLS":
                    writer.write(b"220 go ahead\r\n250 injected in plain text\r\n")
                else:
                    writer.write(b"502 not here\r\n")
                await writer.drain()
        else:
            await reader.read()  # silent: wait for the client to give up
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    started(server.sockets[0].getsockname()[1])
    await asyncio.Event().wait()


def main():
    # aiosmtpd warns about its own deprecated Session.login_data on every AUTH.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--ca")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--auth", action="store_true")
    parser.add_argument("--auth-plaintext", action="store_true")
    parser.add_argument("--auth-mechanisms", default="PLAIN,LOGIN")
    parser.add_argument("--reject-permanent", action="append", default=[])
    parser.add_argument("--reject-temporary", action="append", default=[])
    parser.add_argument("--cert-name", action="append", default=[])
    parser.add_argument("--misbehave", choices=["silent", "inject-after-starttls"])
    args = parser.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # stdin closing (the test process went away) also stops the server.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()

    if args.misbehave:
        announce = lambda port: print(port, flush=True)
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_until_complete, args=(misbehaving_server(args.misbehave, announce),),
                         daemon=True).start()
        stop.wait()
        return

    os.makedirs(args.out, exist_ok=True)
    server_context = None
    if args.starttls or args.require_starttls or args.implicit_tls:
        import trustme

        ca = trustme.CA()
        if args.ca:
            ca.cert_pem.write_to_path(args.ca)
        certificate = ca.issue_cert(*(args.cert_name or ["localhost", "127.0.0.1"]))
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(server_context)

    smtp_options = {}
    if args.starttls or args.require_starttls:
        smtp_options["tls_context"] = server_context
        smtp_options["require_starttls"] = args.require_starttls
    if args.auth:
        offered = {name.strip().upper() for name in args.auth_mechanisms.split(",")}
        smtp_options["authenticator"] = authenticator
        smtp_options["auth_required"] = True
        smtp_options["auth_require_tls"] = not args.auth_plaintext
        smtp_options["auth_exclude_mechanism"] = [m for m in ("PLAIN", "LOGIN") if m not in offered]

    handler = RecordingHandler(args.out, set(args.reject_permanent), set(args.reject_temporary))
    controller = FreePortController(
        handler,
        hostname="127.0.0.1",
        port=0,
        ssl_context=server_context if args.implicit_tls else None,
        server_hostname="localhost",
        **smtp_options,
    )
    controller.start()
    print(controller.port, flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
