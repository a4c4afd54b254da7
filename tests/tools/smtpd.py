#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for the mail tests.

    python3 smtpd.py --dir OUT [--port N] [--starttls CERT KEY | --tls CERT KEY]
                     [--auth USER:PASSWORD] [--reject-rcpt ADDR]...
                     [--rcpt-reply ADDR REPLY]... [--rcpt-reply-first ADDR N REPLY]...
                     [--reject-data REPLY] [--data-reply-for SUBJECT REPLY]...
                     [--drop-after-data | --hang-after-data]
                     [--close-after-greeting | --reset-at-rcpt | --silent]

Listens on 127.0.0.1 (port N, or a free one) and prints `PORT <n>` on stdout
once it accepts connections. Each message it accepts is written as
OUT/<n>.eml (the raw bytes as received, after the SMTP dot-unstuffing) and
OUT/<n>.json ({"mail_from", "rcpt_tos", "helo"}), the .json last, so a test
that sees the .json can read the whole message. Every RCPT TO is logged as a
line of OUT/rcpt.jsonl ({"address", "reply"}) and every EHLO/HELO name as a
line of OUT/ehlo.txt, so a test can count what was tried, not only what
was taken.

--reject-rcpt ADDR   answer RCPT TO:<ADDR> with 550 5.1.1 (may be repeated)
--rcpt-reply ADDR REPLY
                     answer RCPT TO:<ADDR> with REPLY, every time
--rcpt-reply-first ADDR N REPLY
                     answer the first N RCPT TO:<ADDR> with REPLY, then accept
--reject-data REPLY  answer the end of DATA with REPLY (e.g. "554 DT:SPM ...")
                     after saving nothing
--data-reply-for SUBJECT REPLY
                     the same, for the messages whose decoded Subject contains
                     SUBJECT only
--drop-after-data    save the message, then close the connection without
                     answering the end of DATA (an outcome the client cannot know)
--hang-after-data    save the message, then never answer the end of DATA
                     (the client waits until it gives up or is killed)
--close-after-greeting
                     greet, then close the connection when the client says
                     EHLO, without a reply (over TLS: without close_notify)
--reset-at-rcpt      reset the connection (TCP RST) at the first RCPT TO,
                     without a reply: a connection lost mid-session
--silent             accept connections and never say a word (not even the
                     greeting): a server that does not answer

--auth USER:PASSWORD refuses any other login with 535 5.7.8, as Postfix and
Dovecot do.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import socket
import ssl
import struct
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.args = args
        self.count = 0
        self.tries = {}
        self.always = {a.lower(): r for a, r in args.rcpt_reply}
        for a in args.reject_rcpt:
            self.always.setdefault(
                a.lower(),
                "550 5.1.1 <%s>: Recipient address rejected: User unknown" % a,
            )
        self.first = {a.lower(): (int(n), r) for a, n, r in args.rcpt_reply_first}

    def log(self, name, line):
        with open(os.path.join(self.args.dir, name), "a", encoding="utf-8") as f:
            f.write(line + "\n")

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.log("ehlo.txt", hostname)
        if self.args.close_after_greeting:
            server.transport.abort()
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        session.host_name = hostname
        self.log("ehlo.txt", hostname)
        return "250 %s" % server.hostname

    def rcpt_reply(self, address):
        key = address.lower()
        n = self.tries.get(key, 0) + 1
        self.tries[key] = n
        if key in self.always:
            return self.always[key]
        if key in self.first and n <= self.first[key][0]:
            return self.first[key][1]
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.reset_at_rcpt:
            sock = server.transport.get_extra_info("socket")
            # Linger 0: the close sends RST, as a server that crashed does.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            server.transport.abort()
            return "250 OK (never seen by the client)"
        reply = self.rcpt_reply(address)
        self.log(
            "rcpt.jsonl",
            json.dumps({"address": address, "reply": reply or "250 OK"}, ensure_ascii=False),
        )
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def data_reply(self, envelope):
        if self.args.reject_data:
            return self.args.reject_data
        if not self.args.data_reply_for:
            return None
        raw = envelope.original_content or envelope.content
        subject = str(email.message_from_bytes(raw, policy=email.policy.default)["subject"] or "")
        for part, reply in self.args.data_reply_for:
            if part in subject:
                return reply
        return None

    async def handle_DATA(self, server, session, envelope):
        reply = self.data_reply(envelope)
        if reply:
            return reply
        self.count += 1
        n = self.count
        base = os.path.join(self.args.dir, "%03d" % n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".eml.tmp", base + ".eml")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "helo": session.host_name,
        }
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False)
        os.rename(base + ".json.tmp", base + ".json")
        if self.args.drop_after_data:
            server.transport.abort()
            return "250 OK (never seen by the client)"
        if self.args.hang_after_data:
            await asyncio.sleep(3600)
        return "250 2.0.0 OK: queued as %d" % n


def tls_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--auth")
    p.add_argument("--reject-rcpt", action="append", default=[])
    p.add_argument("--rcpt-reply", nargs=2, action="append", default=[])
    p.add_argument("--rcpt-reply-first", nargs=3, action="append", default=[])
    p.add_argument("--reject-data")
    p.add_argument("--data-reply-for", nargs=2, action="append", default=[])
    p.add_argument("--drop-after-data", action="store_true")
    p.add_argument("--hang-after-data", action="store_true")
    p.add_argument("--close-after-greeting", action="store_true")
    p.add_argument("--reset-at-rcpt", action="store_true")
    p.add_argument("--silent", action="store_true")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Handler(args)

    kwargs = {"hostname": "smtp.test", "timeout": 30}
    if args.starttls:
        kwargs["tls_context"] = tls_context(*args.starttls)
        kwargs["require_starttls"] = True
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            # handled=False: aiosmtpd answers 535 itself, as a real server
            # does (with the default handled=True it answers nothing at all).
            return AuthResult(success=ok, handled=False)

        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        # Login over plain text and implicit TLS (which aiosmtpd does not see as TLS).
        kwargs["auth_require_tls"] = bool(args.starttls)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(16)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        asyncio.Protocol if args.silent else (lambda: SMTP(handler, **kwargs)),
        sock=sock,
        ssl=tls_context(*args.tls) if args.tls else None,
    )
    print("PORT %d" % sock.getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
