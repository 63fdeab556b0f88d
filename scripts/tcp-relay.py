"""A TCP relay for tests: forwards 127.0.0.1:<free port> to 127.0.0.1:<target port> and prints the
port it listens on. Tests kill it (SIGKILL) to cut a client off from its server mid-stream.

With a second argument N, the first connection is cut (both ways, at once) after N bytes have gone
from the server to the client, and later connections pass untouched: a client that reconnects can
go on — how a connection broken by the network looks to a client that resumes its stream."""
import asyncio
import sys

TARGET = int(sys.argv[1])
CUT_AFTER = int(sys.argv[2]) if len(sys.argv) > 2 else None
connections = 0


async def pipe(reader, writer, budget=None, cut=None):
    sent = 0
    try:
        while data := await reader.read(65536):
            if budget is not None and sent + len(data) >= budget:
                writer.write(data[: budget - sent])
                await writer.drain()
                cut.set()
                return
            writer.write(data)
            await writer.drain()
            sent += len(data)
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    global connections
    connections += 1
    upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", TARGET)
    if CUT_AFTER is not None and connections == 1:
        cut = asyncio.Event()
        tasks = [
            asyncio.ensure_future(pipe(client_reader, upstream_writer)),
            asyncio.ensure_future(pipe(upstream_reader, client_writer, CUT_AFTER, cut)),
        ]
        await cut.wait()
        for task in tasks:
            task.cancel()
        for writer in (client_writer, upstream_writer):
            writer.transport.abort()
        return
    await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer), return_exceptions=True)


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
