#!/usr/bin/env python3
"""Ingests a Spark table into a dataset through a real `tributary serve` (release build) and prints
the run's rate and the service's peak RSS, for Benchmarks/ingest/run.sh.

  ingest.py TRIBUTARY_BIN SPARK_HOST SPARK_PORT TABLE [connect CONNECT_PORT]

With `connect`, the connection reads over Spark Connect (the server's CONNECT_PORT) instead of its
Thrift endpoint.

The service runs on a fresh data directory; everything is created through the API (connection,
source connection, dataset, target connection, mapping set, a flow scheduled once); the rate is the
run's rows over its own duration (startedAtUTC to completedAtUTC).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

FIELDS = [
    ("i", {"type": "integer", "meta:xdmType": "int"}), ("big", {"type": "integer", "meta:xdmType": "long"}),
    ("d", {"type": "number", "meta:xdmType": "double"}), ("dec", {"type": "decimal", "precision": 18, "scale": 2}),
    ("s", {"type": "string"}), ("ts", {"type": "string", "format": "date-time"}), ("maybe", {"type": "integer", "meta:xdmType": "long"}),
]


def main():
    binary, host, port, table = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    connect = len(sys.argv) > 6 and sys.argv[5] == "connect"
    if connect:
        port = int(sys.argv[6])
    directory = tempfile.mkdtemp(prefix="tributary-ingest-")
    environment = dict(os.environ, TRIBUTARY_ALLOWED_SOURCE_HOSTS=f"{host}:{port}", TRIBUTARY_SCHEDULER_POLL_MS="200",
                       TRIBUTARY_SAFETY_LAG_SECONDS="0", TRIBUTARY_LOG_LEVEL="warning")
    service_port = 18080
    process = subprocess.Popen([binary, "serve", "--data-dir", directory, "--port", str(service_port)], env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{service_port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/health")
                break
            except OSError:
                time.sleep(0.1)
        credentials = json.load(open(os.path.join(directory, "bootstrap-credentials.json")))
        form = f"grant_type=client_credentials&client_id={credentials['clientId']}&client_secret={credentials['clientSecret']}".encode()
        token = json.load(urllib.request.urlopen(urllib.request.Request(base + "/ims/token/v3", data=form)))["access_token"]
        headers = {"Authorization": f"Bearer {token}", "x-api-key": credentials["clientId"], "x-gw-ims-org-id": credentials["orgId"],
                   "content-type": "application/json"}

        def call(path, body=None):
            request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None, headers=headers)
            return json.load(urllib.request.urlopen(request))

        flows = "/data/foundation/flowservice"
        spark = "6f8b2c1e-3d4a-4b5c-9e7f-0a1b2c3d4e5f"
        database, name = table.split(".")
        connection = call(flows + "/connections", {"name": "bench", "connectionSpec": {"id": spark, "version": "1.0"}, "auth": {
            "specName": "Basic Authentication", "params": {"host": host, "port": port, "httpPath": "/cliservice", "username": "bench",
                                                          "password": "" if connect else "x", "database": database,
                                                          "protocol": "connect" if connect else "thrift"}}})["id"]
        source = call(flows + "/sourceConnections", {"name": "bench", "baseConnectionId": connection, "connectionSpec": {"id": spark, "version": "1.0"},
                                                   "data": {"format": "tabular"}, "params": {"tableName": table}})["id"]
        dataset = call("/data/foundation/catalog/dataSets", {"name": name, "schema": {"fields": [dict(name=n, **t) for n, t in FIELDS]}})[0].split("/")[-1]
        target = call(flows + "/targetConnections", {"name": "bench", "connectionSpec": {"id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c", "version": "1.0"},
                                                   "params": {"dataSetId": dataset}})["id"]
        mapping = call("/data/foundation/conversion/mappingSets", {"xdmSchema": f"@/dataSets/{dataset}",
                                                                  "mappings": [{"sourceAttribute": n, "destinationXdmPath": n} for n, _ in FIELDS]})["id"]
        flow = call(flows + "/flows", {"name": "bench", "flowSpec": {"id": "14518937-270c-4525-bdec-c2ba7cce3860", "version": "1.0"},
                                       "sourceConnectionIds": [source], "targetConnectionIds": [target],
                                       "transformations": [{"name": "Copy", "params": {"deltaColumn": {"name": "ts"}}},
                                                           {"name": "Mapping", "params": {"mappingId": mapping}}],
                                       "scheduleParams": {"startTime": int(time.time()), "frequency": "once"}})["id"]
        while True:
            runs = call(f"{flows}/runs?property=flowId=={flow}")["items"]
            if runs and runs[0]["metrics"]["statusSummary"]["status"] in ("success", "partialSuccess", "failed"):
                break
            time.sleep(0.5)
        run = runs[0]["metrics"]
        # The service's CPU time (user + system, all threads) over its life: almost all of it is the run's.
        fields = open(f"/proc/{process.pid}/stat").read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        status = open(f"/proc/{process.pid}/status").read()
        peak = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) // 1024
        seconds = (run["durationSummary"]["completedAtUTC"] - run["durationSummary"]["startedAtUTC"]) / 1000
        rows = run["recordSummary"]["outputRecordCount"]
        print(f"ingest status={run['statusSummary']['status']} rows={rows} seconds={seconds:.2f} rows_per_s={int(rows / seconds)} "
              f"peak_rss_mib={peak} bytes={run['sizeSummary']['outputBytes']} files={run['fileSummary']['outputFileCount']} "
              f"cpu_s={cpu:.1f} cores={cpu / seconds:.2f}")
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
