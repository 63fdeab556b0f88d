"""Fetches a whole table with PyHive over Thrift HTTP, touching every value; prints rows/s and peak RSS."""
import base64, resource, sys, time
from pyhive import hive
from thrift.transport import THttpClient

url, table = sys.argv[1], sys.argv[2]
transport = THttpClient.THttpClient(url)
transport.setCustomHeaders({"Authorization": "Basic " + base64.b64encode(b"bench:x").decode()})
connection = hive.connect(thrift_transport=transport)
cursor = connection.cursor(arraysize=50000)
started = time.monotonic()
cursor.execute(f"SELECT * FROM {table}")
rows = 0
nulls = 0
while True:
    batch = cursor.fetchmany(50000)
    if not batch:
        break
    for row in batch:
        for value in row:
            if value is None:
                nulls += 1
    rows += len(batch)
seconds = time.monotonic() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"pyhive rows={rows} seconds={seconds:.2f} rows_per_s={int(rows / seconds)} peak_rss_mib={peak} nulls={nulls}")
