#!/usr/bin/python3
"""A TCP proxy that adds a round-trip time: every byte waits RTT/2 on its way in each direction.

    delay_proxy.py --rtt-ms 50 --forward NAME=HOST:PORT [--forward ...]

Listens on a free 127.0.0.1 port per --forward and prints {"NAME": port, ...} as one JSON line
once all listen. Data keeps its order and timing shape (each chunk is released RTT/2 after it
arrived); a direction buffers at most 16 MiB in flight, so a fast sender is held back as a real
link's window would. Half-closes are passed on. Loopback only; stops on SIGTERM.
"""

import argparse
import asyncio
import json
import signal

CHUNK = 64 * 1024
IN_FLIGHT_CHUNKS = 256


async def pump(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue(maxsize=IN_FLIGHT_CHUNKS)

    async def receive():
        try:
            while data := await reader.read(CHUNK):
                await queue.put((loop.time() + delay, data))
        except (ConnectionError, OSError):
            pass
        await queue.put((loop.time() + delay, b""))

    async def release():
        try:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass

    await asyncio.gather(receive(), release())


async def handle(client_reader, client_writer, upstream, delay):
    try:
        up_reader, up_writer = await asyncio.open_connection(*upstream)
    except OSError:
        client_writer.close()
        return
    try:
        await asyncio.gather(pump(client_reader, up_writer, delay),
                             pump(up_reader, client_writer, delay))
    finally:
        for w in (client_writer, up_writer):
            w.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rtt-ms", type=float, required=True)
    parser.add_argument("--forward", action="append", required=True, metavar="NAME=HOST:PORT")
    args = parser.parse_args()
    delay = args.rtt_ms / 2000.0
    ports, servers = {}, []
    for spec in args.forward:
        name, target = spec.split("=", 1)
        host, port = target.rsplit(":", 1)
        upstream = (host, int(port))
        server = await asyncio.start_server(
            lambda r, w, u=upstream: handle(r, w, u, delay), "127.0.0.1", 0)
        servers.append(server)
        ports[name] = server.sockets[0].getsockname()[1]
    print(json.dumps(ports), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
