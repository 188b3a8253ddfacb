"""A tiny SMTP server for tests, on the standard library's asyncio: it speaks enough of the
protocol for smtplib (HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps each message it
accepts. It can answer the first DATA commands with a passing failure (451), to test retries."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    """One accepted message: the envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpServer:
    """Where it listens, what it accepted, and how many more DATA commands it fails."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    transient_failures: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(line: str) -> None:
            writer.write(f"{line}\r\n".encode())

        sender, recipients = "", list[str]()
        reply("220 test-smtp ready")
        try:
            while line := (await reader.readline()).decode().rstrip("\r\n"):
                verb = line[:4].upper()
                if verb in ("HELO", "EHLO"):
                    reply("250 test-smtp")
                elif verb == "MAIL":
                    sender, recipients = line.partition(":")[2].strip().strip("<>"), []
                    reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(line.partition(":")[2].strip().strip("<>"))
                    reply("250 OK")
                elif verb == "DATA":
                    if self.transient_failures > 0:
                        self.transient_failures -= 1
                        reply("451 try again later")
                    else:
                        reply("354 end with <CRLF>.<CRLF>")
                        await writer.drain()
                        await self._data(reader, sender, recipients)
                        reply("250 OK queued")
                elif verb in ("RSET", "NOOP"):
                    reply("250 OK")
                elif verb == "QUIT":
                    reply("221 bye")
                    break
                else:
                    reply("502 not implemented")
                await writer.drain()
        finally:
            writer.close()

    async def _data(self, reader: asyncio.StreamReader, sender: str, recipients: list[str]) -> None:
        lines: list[bytes] = []
        while (line := await reader.readline()) not in (b".\r\n", b""):
            # RFC 5321 §4.5.2: a line starting with a dot was sent with one more.
            lines.append(line[1:] if line.startswith(b"..") else line)
        parsed = message_from_bytes(b"".join(lines), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(Received(sender, list(recipients), parsed))
        self.arrived.set()


@asynccontextmanager
async def smtp_server() -> AsyncIterator[SmtpServer]:
    """The server, listening on a free local port until the block ends."""
    state = SmtpServer()
    server = await asyncio.start_server(state._session, state.host, 0)
    state.port = server.sockets[0].getsockname()[1]
    async with server:
        yield state
