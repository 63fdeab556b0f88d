#!/usr/bin/env python3
"""Scheduler pickup on many flows, for Benchmarks/scheduler/run.sh.

  pickup.py TRIBUTARY_BIN INSTANCES FLOWS SPREAD_SECONDS DATABASE_URL POSTGRES_DATA_DIR

Starts INSTANCES `tributary serve` processes on one PostgreSQL schema of their own and one lake,
creates FLOWS flows through the API (every 15 minutes, no backfill), their first slots spread evenly
over SPREAD_SECONDS (900: the steady-state rate of FLOWS flows every 15 minutes; less: that many times
the rate), and waits until every first slot has passed. The flows' source is a stand-in that
answers every call `503` (Benchmarks/lib/flows.py), runs wait for no cluster
(TRIBUTARY_CLUSTER_WAIT_SECONDS=0) and are tried once: every run is claimed, resolves its flow, asks
the source and fails at once — so what is measured is the scheduler (planning, claims, the runs'
records), not a source: the local Spark Thrift Server answers some 8 runs a second on this machine,
fewer than 10,000 flows every 15 minutes make (11 a second). Pickup is a run's start (startedAtUTC)
minus its slot time (scheduledAt), for every scheduled run whose slot came. Beside it: the CPU PostgreSQL and the instances
used (from /proc, in cores) and the database's transactions per second over the slots' span.
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from flows import FLOWS_API, Client, UnavailableSource, make_flows  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        except (OSError, IndexError):
            pass
    return total


def postgres_pids(data_dir):
    postmaster = int(open(os.path.join(data_dir, "postmaster.pid")).readline())
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
    return [postmaster] + [int(pid) for pid in children]


def transactions(url):
    query = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
    return int(subprocess.run(["psql", url.split("?")[0], "-Atc", query], capture_output=True, text=True, check=True).stdout)


def load():
    return open("/proc/loadavg").read().split()[0]


class Service:
    def __init__(self, binary, instances, database_url, source_port):
        self.directory = tempfile.mkdtemp(prefix="tributary-scheduler-")
        self.source_port = source_port
        environment = dict(
            os.environ, TRIBUTARY_DATABASE_URL=database_url, TRIBUTARY_LAKE_DIR=os.path.join(self.directory, "lake"),
            TRIBUTARY_SECRET_KEY=base64.b64encode(os.urandom(32)).decode(), TRIBUTARY_LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "warning"),
            TRIBUTARY_ALLOWED_SOURCE_HOSTS=f"127.0.0.1:{source_port}", TRIBUTARY_CLUSTER_WAIT_SECONDS="0", TRIBUTARY_RUN_ATTEMPTS="1",
            TRIBUTARY_SAFETY_LAG_SECONDS="0")
        self.processes, self.bases = [], []
        for index in range(instances):
            port = free_port()
            data = os.path.join(self.directory, f"instance-{index}")
            log = open(os.path.join(self.directory, f"instance-{index}.log"), "w")
            self.processes.append(subprocess.Popen(
                [binary, "serve", "--data-dir", data, "--port", str(port), "--instance-name", f"bench-{index}"],
                env=environment, stdout=log, stderr=subprocess.STDOUT))
            self.bases.append(f"http://127.0.0.1:{port}")
            self.wait_healthy(self.bases[-1])  # the first bootstraps the organization; then the others
        credentials = json.load(open(os.path.join(self.directory, "instance-0", "bootstrap-credentials.json")))
        form = f"grant_type=client_credentials&client_id={credentials['clientId']}&client_secret={credentials['clientSecret']}".encode()
        token = json.load(urllib.request.urlopen(urllib.request.Request(self.bases[0] + "/ims/token/v3", data=form)))["access_token"]
        self.client = Client(self.bases, {
            "Authorization": f"Bearer {token}", "x-api-key": credentials["clientId"], "x-gw-ims-org-id": credentials["orgId"],
            "x-sandbox-name": "prod", "content-type": "application/json"})

    def wait_healthy(self, base):
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/health")
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"the service at {base} did not start; see {self.directory}")

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def runs(client):
    found, path = [], f"{FLOWS_API}/runs?limit=1000"
    while path:
        page = client.call(path)
        found += page["items"]
        path = page.get("_links", {}).get("next", {}).get("href")
        if path:
            path = FLOWS_API + path  # relative to the Flow Service's base, as Adobe's are
    return found


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    binary, instances, count, spread, url, postgres_data = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
    source = UnavailableSource()
    service = Service(binary, instances, url, source.port)
    try:
        began = time.time()
        # The first slot after the flows are made: creation at a few hundred a second, with room.
        first_slot = int(began) + 30 + count // 200
        flows = make_flows(service.client, source.port, count, first_slot, spread)
        made = time.time()
        print(f"  {len(flows)} flows made through the API in {made - began:.1f} s; first slots from +{first_slot - made:.0f} s over {spread} s", flush=True)
        time.sleep(max(0, first_slot - time.time()))
        pids = [process.pid for process in service.processes]
        database, tributary, xacts, wall = cpu_seconds(postgres_pids(postgres_data)), cpu_seconds(pids), transactions(url), time.time()
        loads = [load()]
        while time.time() < first_slot + spread:
            time.sleep(min(60, first_slot + spread - time.time()))
            loads.append(load())
        database = cpu_seconds(postgres_pids(postgres_data)) - database
        tributary = cpu_seconds(pids) - tributary
        xacts = transactions(url) - xacts
        wall = time.time() - wall
        time.sleep(5)  # the last slots' runs start
        end = int(time.time() * 1000)
        pickups, waiting, statuses = [], 0, {}
        for run in runs(service.client):
            params = run.get("providerParams", {})
            if params.get("trigger") != "scheduled" or params["scheduledAt"] > end:
                continue
            started = run["metrics"].get("durationSummary", {}).get("startedAtUTC")
            status = run["metrics"]["statusSummary"]["status"]
            statuses[status] = statuses.get(status, 0) + 1
            if started is None:
                waiting += 1
                pickups.append(end - params["scheduledAt"])
            else:
                pickups.append(started - params["scheduledAt"])
        print(f"  runs whose slot came: {len(pickups)} (statuses {statuses}; not started: {waiting})")
        print(f"  pickup (slot time to inProgress): p50 {percentile(pickups, 0.5)} ms, p99 {percentile(pickups, 0.99)} ms, "
              f"max {max(pickups)} ms (goal p99 < 1000 ms)")
        print(f"  over the slots' {wall:.0f} s: {len(pickups) / wall:.1f} runs/s; PostgreSQL CPU {database / wall:.2f} cores, "
              f"the instances' CPU {tributary / wall:.2f} cores, {xacts / wall:.0f} database transactions/s; load {' '.join(loads)}")
    finally:
        service.stop()
        source.stop()


if __name__ == "__main__":
    main()
