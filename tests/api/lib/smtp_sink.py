"""A real SMTP server on loopback for the API tests (Debian's python3-aiosmtpd).

    python3 smtp_sink.py PORT

Prints "ready" once it listens, then one JSON line per message received:
{"from": ..., "to": [...], "data": "<the raw RFC 5322 text>"}. Stops when its
standard input closes (or on SIGTERM)."""
import json
import sys

from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server, session, envelope):
        print(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                          "data": envelope.content.decode("utf-8", "replace")}), flush=True)
        return "250 OK"


controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
try:
    sys.stdin.read()
finally:
    controller.stop()
