"""Flows made through the API, for the benchmarks that need many (Benchmarks/scheduler, api/flows.sh).

A flow needs a chain: a Spark connection, a source connection, a dataset, a target connection and a
mapping set; `make_flows` makes one chain and then `count` flows on it, eight requests at a time,
every 15 minutes from `first_slot + index * spread // count` (epoch seconds), no backfill. The
source is a stand-in (`UnavailableSource`) that answers every call 503, as a cluster that is not up
does: flows are made without the table check waiting on anything, and a run asks it and fails at once.

As a command: flows.py BASE_URL COUNT  (headers from $TRIBUTARY_HEADERS, a JSON object) makes COUNT
flows whose first slots are a day away — for a list benchmark, where nothing runs. The service must
allow the stand-in's host (TRIBUTARY_ALLOWED_SOURCE_HOSTS=127.0.0.1).
"""
import concurrent.futures
import http.server
import json
import os
import sys
import threading
import time
import urllib.request

FLOWS_API = "/data/foundation/flowservice"
SPARK_SPEC = "6f8b2c1e-3d4a-4b5c-9e7f-0a1b2c3d4e5f"
DATA_LAKE_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
FLOW_SPEC = "14518937-270c-4525-bdec-c2ba7cce3860"


class Unavailable(http.server.BaseHTTPRequestHandler):
    """Every call answered 503, as a cluster that is not up answers."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(503)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


class UnavailableSource:
    """The stand-in source, on a port of its own until `stop()`."""

    def __init__(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


class Client:
    """Calls the API with one set of headers, spread over one or more instances' base URLs."""

    def __init__(self, bases, headers):
        self.bases, self.headers, self.calls = bases, headers, 0

    def call(self, path, body=None):
        base = self.bases[self.calls % len(self.bases)]  # as a load balancer would
        self.calls += 1
        request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None, headers=self.headers)
        return json.load(urllib.request.urlopen(request, timeout=60))


def make_flows(client, source_port, count, first_slot, spread):
    connection = client.call(FLOWS_API + "/connections", {
        "name": "not up", "connectionSpec": {"id": SPARK_SPEC, "version": "1.0"},
        "auth": {"specName": "Basic Authentication", "params": {
            "host": "127.0.0.1", "port": source_port, "httpPath": "/cliservice", "username": "bench", "password": "x", "database": "default"}}})["id"]
    source = client.call(FLOWS_API + "/sourceConnections", {
        "name": "bench", "baseConnectionId": connection, "connectionSpec": {"id": SPARK_SPEC, "version": "1.0"},
        "data": {"format": "tabular"}, "params": {"tableName": "default.events"}})["id"]
    dataset = client.call("/data/foundation/catalog/dataSets", {"name": "events", "schema": {"fields": [
        {"name": "id", "type": "integer", "meta:xdmType": "long"}, {"name": "ts", "type": "string", "format": "date-time"}]}})[0].split("/")[-1]
    target = client.call(FLOWS_API + "/targetConnections", {
        "name": "bench", "connectionSpec": {"id": DATA_LAKE_SPEC, "version": "1.0"}, "params": {"dataSetId": dataset}})["id"]
    mapping = client.call("/data/foundation/conversion/mappingSets", {
        "xdmSchema": f"@/dataSets/{dataset}", "mappings": [{"sourceAttribute": n, "destinationXdmPath": n} for n in ("id", "ts")]})["id"]

    def create(index):
        return client.call(FLOWS_API + "/flows", {
            "name": f"flow {index}", "flowSpec": {"id": FLOW_SPEC, "version": "1.0"},
            "sourceConnectionIds": [source], "targetConnectionIds": [target],
            "transformations": [{"name": "Copy", "params": {"deltaColumn": {"name": "ts"}}}, {"name": "Mapping", "params": {"mappingId": mapping}}],
            "scheduleParams": {"startTime": first_slot + index * spread // count, "frequency": "minute", "interval": 15, "backfill": False}})["id"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(create, range(count)))


def main():
    base, count = sys.argv[1], int(sys.argv[2])
    source = UnavailableSource()
    began = time.time()
    make_flows(Client([base], json.loads(os.environ["TRIBUTARY_HEADERS"])), source.port, count, int(began) + 86_400, 900)
    print(f"{count} flows made in {time.time() - began:.1f} s", file=sys.stderr)
    source.stop()


if __name__ == "__main__":
    main()
