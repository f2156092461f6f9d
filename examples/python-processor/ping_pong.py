#!/usr/bin/env python3
"""A ping-pong processor in Python, standard library only: the HTTP API is the contract.

It reads a stream over Server-Sent Events (urllib), reduces its history without side effects (counting
pings), prints "caught up", then answers every new `ping` with a `pong` appended over HTTP. A dropped
connection is resumed with Last-Event-ID, so no event is missed or handled twice.

    npx tributary serve
    python3 examples/python-processor/ping_pong.py /jonas/py      # TRIBUTARY_URL picks the server
    npx tributary append /jonas/py '{"type":"ping"}'
"""

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE_URL = os.environ.get("TRIBUTARY_URL", "http://127.0.0.1:4000").rstrip("/")
SLUG = "python-ping-pong"


def stream_url(path, **query):
    quoted = urllib.parse.quote(path)
    return f"{BASE_URL}/api/streams{quoted}" + ("?" + urllib.parse.urlencode(query) if query else "")


def head(path):
    """The offset of the stream's last event (0 when empty)."""
    with urllib.request.urlopen(stream_url(path, format="json", afterOffset="end", limit=1), timeout=10) as response:
        return json.load(response)["lastOffset"]


def append(path, event):
    """Appends one event (strict: an invalid event is refused) and returns it as stored."""
    request = urllib.request.Request(
        stream_url(path, strict="true"),
        data=json.dumps(event).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def events(path, after):
    """Yields stored events after `after`, live, forever; reconnects with Last-Event-ID when a connection drops."""
    backoff = 0.1
    while True:
        request = urllib.request.Request(
            stream_url(path, live="true", afterOffset=after),
            headers={"accept": "text/event-stream", "last-event-id": str(after)},
        )
        try:
            # The server sends a heartbeat comment every 15 s; 60 s of silence means a dead connection.
            with urllib.request.urlopen(request, timeout=60) as response:
                data = []
                for raw in response:
                    line = raw.decode("utf-8").rstrip("\r\n")
                    if line == "":
                        if data:
                            event = json.loads("\n".join(data))
                            data = []
                            if event["offset"] > after:
                                after = event["offset"]
                                backoff = 0.1
                                yield event
                    elif line.startswith(":"):
                        continue  # a heartbeat
                    elif line.startswith("data:"):
                        data.append(line[5:].removeprefix(" "))
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            print(f"connection lost ({error}); reconnecting after offset {after}", file=sys.stderr, flush=True)
        time.sleep(backoff)
        backoff = min(backoff * 2, 5)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/jonas/py"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    caught_up_at = head(path)
    state = {"pings": 0}
    if caught_up_at == 0:
        print(f"caught up on {path}: {state}", flush=True)
    for event in events(path, 0):
        # reduce: pure, no side effects
        if event["type"] == "ping":
            state = {"pings": state["pings"] + 1}
        if event["offset"] <= caught_up_at:
            if event["offset"] == caught_up_at:
                print(f"caught up on {path}: {state}", flush=True)
            continue
        # afterAppend: only for events that arrived after the catch-up
        if event["type"] == "ping":
            pong = append(path, {"type": "pong", "payload": {"sourceOffset": event["offset"], "pings": state["pings"]}, "metadata": {"processor": SLUG}})
            print(f"answered ping #{event['offset']} with pong #{pong['offset']}", flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
    except urllib.error.URLError as error:
        print(f"cannot reach the Tributary server at {BASE_URL} ({error.reason})", file=sys.stderr)
        sys.exit(1)
