"""The Thrift server's own limit: fetches a whole table's pages over Thrift HTTP and throws every reply
away undecoded, so the figure is what the server (formatting rows into Thrift columns, one request
at a time) and the wire allow, with no client work. The session and statement go through PyHive's
generated TCLIService client; each FetchResults request is encoded once by it and then POSTed as
bytes on one keep-alive connection, its reply read whole and dropped. The result ends at the first
reply too small to hold a row (Spark answers an empty page at the end).
Prints the same line shape as driver-benchmark: rows come from the table's count, read first."""
import base64
import http.client
import resource
import sys
import time
import urllib.parse

from pyhive import hive
from TCLIService import TCLIService, ttypes
from thrift.protocol import TBinaryProtocol
from thrift.transport import THttpClient, TTransport

url, table = sys.argv[1], sys.argv[2]
page_rows = int(sys.argv[3]) if len(sys.argv) > 3 else 50000
auth = "Basic " + base64.b64encode(b"bench:x").decode()
transport = THttpClient.THttpClient(url)
transport.setCustomHeaders({"Authorization": auth})
connection = hive.connect(thrift_transport=transport)
cursor = connection.cursor()
cursor.execute(f"SELECT count(*) FROM {table}")
rows = cursor.fetchone()[0]

started = time.monotonic()
cursor.execute(f"SELECT * FROM {table}")
operation = cursor._operationHandle
buffer = TTransport.TMemoryBuffer()
TCLIService.Client(TBinaryProtocol.TBinaryProtocol(buffer)).send_FetchResults(
    ttypes.TFetchResultsReq(operationHandle=operation, orientation=ttypes.TFetchOrientation.FETCH_NEXT, maxRows=page_rows))
request = buffer.getvalue()
parsed = urllib.parse.urlparse(url)
http_connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
headers = {"Content-Type": "application/x-thrift", "Accept": "application/x-thrift", "Authorization": auth}
pages = 0
received = 0
while True:
    http_connection.request("POST", parsed.path, body=request, headers=headers)
    reply = http_connection.getresponse().read()
    received += len(reply)
    if len(reply) < 512:
        break
    pages += 1
seconds = time.monotonic() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"raw-thrift rows={rows} seconds={seconds:.2f} rows_per_s={int(rows / seconds)} peak_rss_mib={peak} pages={pages} mib={received >> 20}")
