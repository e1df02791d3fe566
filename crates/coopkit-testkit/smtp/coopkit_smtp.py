"""The SMTP server coopkit's tests send to: aiosmtpd's Maildir handler,
which keeps each message as a file, and which refuses any recipient whose
address starts with "bounce" as a real server refuses an unknown mailbox."""

from aiosmtpd.handlers import Mailbox


class TestMailbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 <%s>: no such mailbox here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
