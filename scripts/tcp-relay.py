"""A TCP relay for tests: forwards 127.0.0.1:<free port> to 127.0.0.1:<target port> and prints the
port it listens on. Tests kill it (SIGKILL) to cut a client off from its server mid-stream."""
import asyncio
import sys

TARGET = int(sys.argv[1])


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", TARGET)
    await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer), return_exceptions=True)


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
