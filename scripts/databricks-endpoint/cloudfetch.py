"""A Databricks SQL endpoint that answers large results with CloudFetch, for the driver's tests.

Its Thrift replies are encoded by Apache Thrift's Python library with the TCLIService types that the
Databricks SQL Connector for Python ships (an implementation independent of Tributary's), its result
files are Arrow IPC streams written by pyarrow and LZ4-framed by python-lz4, and it serves both over
HTTPS with the Databricks-shaped endpoint's certificate and token.

A statement is a JSON object saying what the result is and how the endpoint misbehaves:
  tag          a name for GET /debug/<tag> (what was fetched and downloaded)
  files        result files (default 3); rowsPerFile (default 1000); payloadBytes per row (default 0)
  linksPerPage links per FetchResults reply (default 2); shuffle: list each page's links out of order
  lz4          LZ4-frame the files (default true); millis: expiry in milliseconds (default seconds)
  direct       the first page of links in the ExecuteStatement reply (direct results)
  expired      file indexes whose first link is already expired (storage refuses it: 403)
  forbidOnce   file indexes whose first download is refused with 403
  failOnce     file indexes whose first download answers 500
  hangOnce     file indexes whose first download never answers; hangAlways: never answers at all
  slow         {"index": seconds} a delay before a file's bytes
Without canDownloadResult the same rows come inline as Arrow batches (ARROW_BASED_SET).

Usage: cloudfetch.py PORT CERT KEY TOKEN_FILE
"""
import glob
import http.server
import json
import os
import random
import site
import ssl
import sys
import threading
import time
import uuid
from decimal import Decimal

for root in site.getsitepackages():
    for path in glob.glob(os.path.join(root, "databricks", "sql", "thrift_api")):
        sys.path.insert(0, path)

import lz4.frame  # noqa: E402
import pyarrow as pa  # noqa: E402
from thrift.protocol import TBinaryProtocol  # noqa: E402
from thrift.transport import TTransport  # noqa: E402
from TCLIService import TCLIService  # noqa: E402
from TCLIService import ttypes as t  # noqa: E402

PORT, CERT, KEY, TOKEN_FILE = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
TOKEN = open(TOKEN_FILE).read().strip()
OK = t.TStatus(statusCode=t.TStatusCode.SUCCESS_STATUS)
LOCK = threading.Lock()
OPERATIONS = {}  # operation guid -> Operation
TAGS = {}  # tag -> Operation

ARROW_SCHEMA = pa.schema([
    ("id", pa.int64()),
    ("name", pa.string()),
    ("amount", pa.decimal128(18, 2)),
    ("at", pa.timestamp("us", tz="Etc/UTC")),
    ("maybe", pa.int32()),
    ("payload", pa.string()),
])


def column(name, type_id, position, qualifiers=None):
    entry = t.TPrimitiveTypeEntry(type=type_id)
    if qualifiers:
        entry.typeQualifiers = t.TTypeQualifiers(qualifiers={k: t.TTypeQualifierValue(i32Value=v) for k, v in qualifiers.items()})
    return t.TColumnDesc(columnName=name, typeDesc=t.TTypeDesc(types=[t.TTypeEntry(primitiveEntry=entry)]), position=position)


THRIFT_SCHEMA = t.TTableSchema(columns=[
    column("id", t.TTypeId.BIGINT_TYPE, 1),
    column("name", t.TTypeId.STRING_TYPE, 2),
    column("amount", t.TTypeId.DECIMAL_TYPE, 3, {"precision": 18, "scale": 2}),
    column("at", t.TTypeId.TIMESTAMP_TYPE, 4),
    column("maybe", t.TTypeId.INT_TYPE, 5),
    column("payload", t.TTypeId.STRING_TYPE, 6),
])


class Operation:
    def __init__(self, spec, cloud_fetch):
        self.guid = uuid.uuid4().bytes
        self.spec = spec
        self.cloud_fetch = cloud_fetch
        self.files = int(spec.get("files", 3))
        self.rows = int(spec.get("rowsPerFile", 1000))
        self.cursor = 0
        self.issued = {}  # file index -> links issued so far
        self.sizes = {}
        self.downloads = {}  # file index -> GETs so far
        self.active = 0
        self.max_active = 0
        self.fetches = []  # startRowOffset of each FetchResults
        self.gets = []  # [index, generation, status]
        self.closed = False
        self.started = time.time()
        self.events = []  # [seconds since the statement, what]

    def note(self, what):
        with LOCK:
            self.events.append([round(time.time() - self.started, 3), what])
        print("%s %.3f %s" % (self.spec.get("tag", "-")[:8], time.time() - self.started, what), flush=True)

    def table(self, index):
        first = index * self.rows
        ids = list(range(first, first + self.rows))
        width = int(self.spec.get("payloadBytes", 0))
        noise = random.Random(index).randbytes(width * self.rows // 2 + 1).hex() if width else ""
        return pa.table({
            "id": pa.array(ids, pa.int64()),
            "name": pa.array(["row-%d" % i for i in ids]),
            "amount": pa.array([Decimal(i) * Decimal("1.25") for i in ids], pa.decimal128(18, 2)),
            "at": pa.array([1_700_000_000_000_000 + i * 1_000_000 for i in ids], pa.timestamp("us", tz="Etc/UTC")),
            "maybe": pa.array([None if i % 3 == 0 else i % 1000 for i in ids], pa.int32()),
            "payload": pa.array([noise[n * width:(n + 1) * width] for n in range(self.rows)] if width else [""] * self.rows),
        }, schema=ARROW_SCHEMA)

    def file(self, index):
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, ARROW_SCHEMA) as writer:
            writer.write_table(self.table(index), max_chunksize=max(self.rows // 3, 1))
        data = sink.getvalue().to_pybytes()
        return lz4.frame.compress(data) if self.spec.get("lz4", True) else data

    def link(self, index):
        generation = self.issued.get(index, 0)
        self.issued[index] = generation + 1
        if index not in self.sizes:
            self.sizes[index] = len(self.file(index))
        expired = index in self.spec.get("expired", []) and generation == 0
        expiry = time.time() + (-10 if expired else 600)
        expiry = int(expiry * 1000) if self.spec.get("millis") else int(expiry)
        url = "https://127.0.0.1:%d/files/%s/%d/%d?sig=%s&se=%d" % (PORT, self.guid.hex(), index, generation, uuid.uuid4().hex, expiry)
        return t.TSparkArrowResultLink(
            fileLink=url, expiryTime=expiry, startRowOffset=index * self.rows, rowCount=self.rows,
            bytesNum=self.sizes[index], httpHeaders={"x-ms-blob-type": "BlockBlob", "x-tributary-file": str(index)})

    def page(self, start):
        """The row set from `start`: links to the next files, or (inline) one file's Arrow batches."""
        with LOCK:
            self.fetches.append(start)
        self.note("FetchResults from %d" % start)
        if start % self.rows:
            return None, False
        index = start // self.rows
        if not self.cloud_fetch:
            if index >= self.files:
                return t.TRowSet(startRowOffset=start, rows=[], arrowBatches=[]), False
            batches = []
            for batch in self.table(index).to_batches(max_chunksize=max(self.rows // 3, 1)):
                data = batch.serialize().to_pybytes()
                batches.append(t.TSparkArrowBatch(batch=lz4.frame.compress(data) if self.spec.get("lz4", True) else data, rowCount=batch.num_rows))
            return t.TRowSet(startRowOffset=start, rows=[], arrowBatches=batches), index + 1 < self.files
        last = min(index + int(self.spec.get("linksPerPage", 2)), self.files)
        links = [self.link(i) for i in range(index, last)]
        if self.spec.get("shuffle"):
            links.reverse()
        return t.TRowSet(startRowOffset=start, rows=[], resultLinks=links), last < self.files

    def metadata(self):
        return t.TGetResultSetMetadataResp(
            status=OK, schema=THRIFT_SCHEMA,
            resultFormat=t.TSparkRowSetType.URL_BASED_SET if self.cloud_fetch else t.TSparkRowSetType.ARROW_BASED_SET,
            lz4Compressed=self.spec.get("lz4", True), arrowSchema=ARROW_SCHEMA.serialize().to_pybytes())

    def debug(self):
        return {"fetches": self.fetches, "gets": self.gets, "maxConcurrentDownloads": self.max_active, "closed": self.closed,
                "cloudFetch": self.cloud_fetch, "events": self.events}


def handle(guid_holder):
    return t.THandleIdentifier(guid=guid_holder, secret=uuid.uuid4().bytes)


class Handler:
    def OpenSession(self, req):
        return t.TOpenSessionResp(
            status=OK, serverProtocolVersion=t.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8,
            sessionHandle=t.TSessionHandle(sessionId=handle(uuid.uuid4().bytes)), canUseMultipleCatalogs=True)

    def CloseSession(self, req):
        return t.TCloseSessionResp(status=OK)

    def ExecuteStatement(self, req):
        try:
            spec = json.loads(req.statement)
        except ValueError:
            return t.TExecuteStatementResp(status=t.TStatus(
                statusCode=t.TStatusCode.ERROR_STATUS, errorMessage="this endpoint runs JSON result descriptions only", sqlState="42601"))
        operation = Operation(spec, bool(req.canDownloadResult))
        with LOCK:
            OPERATIONS[operation.guid] = operation
            if "tag" in spec:
                TAGS[spec["tag"]] = operation
        op_handle = t.TOperationHandle(operationId=handle(operation.guid), operationType=t.TOperationType.EXECUTE_STATEMENT, hasResultSet=True)
        direct = None
        if spec.get("direct"):
            rows, more = operation.page(0)
            operation.cursor = operation.rows * min(int(spec.get("linksPerPage", 2)), operation.files)
            direct = t.TSparkDirectResults(
                operationStatus=t.TGetOperationStatusResp(status=OK, operationState=t.TOperationState.FINISHED_STATE, hasResultSet=True),
                resultSetMetadata=operation.metadata(),
                resultSet=t.TFetchResultsResp(status=OK, hasMoreRows=more, results=rows))
        return t.TExecuteStatementResp(status=OK, operationHandle=op_handle, directResults=direct)

    def GetOperationStatus(self, req):
        return t.TGetOperationStatusResp(status=OK, operationState=t.TOperationState.FINISHED_STATE, hasResultSet=True)

    def GetResultSetMetadata(self, req):
        return operation_of(req).metadata()

    def FetchResults(self, req):
        operation = operation_of(req)
        start = req.startRowOffset if req.startRowOffset is not None else operation.cursor
        rows, more = operation.page(start)
        if rows is None:
            return t.TFetchResultsResp(status=t.TStatus(
                statusCode=t.TStatusCode.ERROR_STATUS, errorMessage="startRowOffset %d is not a file's first row" % start))
        operation.cursor = start + operation.rows * max(len(rows.resultLinks or []), 1 if rows.arrowBatches else 0)
        return t.TFetchResultsResp(status=OK, hasMoreRows=more, results=rows)

    def CancelOperation(self, req):
        operation_of(req).closed = True
        return t.TCancelOperationResp(status=OK)

    def CloseOperation(self, req):
        operation_of(req).note("CloseOperation")
        operation_of(req).closed = True
        return t.TCloseOperationResp(status=OK)


def operation_of(req):
    return OPERATIONS[req.operationHandle.operationId.guid]


PROCESSOR = TCLIService.Processor(Handler())


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class Requests(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", content_type="application/octet-stream"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            return self.answer(401, b'{"error_code":401,"message":"Credential was not sent or was of an unsupported type for this API."}')
        incoming = TTransport.TMemoryBuffer(body)
        outgoing = TTransport.TMemoryBuffer()
        PROCESSOR.process(TBinaryProtocol.TBinaryProtocol(incoming), TBinaryProtocol.TBinaryProtocol(outgoing))
        self.answer(200, outgoing.getvalue(), "application/x-thrift")

    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[0] == "debug" and len(parts) == 2:
            operation = TAGS.get(parts[1])
            return self.answer(200 if operation else 404, json.dumps(operation.debug() if operation else {}).encode(), "application/json")
        if parts[0] != "files" or len(parts) != 4 or bytes.fromhex(parts[1]) not in OPERATIONS:
            return self.answer(404, b"no such file")
        if self.headers.get("Authorization"):
            return self.answer(400, b"storage takes no Authorization header beside a signed URL")
        operation = OPERATIONS[bytes.fromhex(parts[1])]
        index, generation = int(parts[2]), int(parts[3])
        spec = operation.spec
        with LOCK:
            attempt = operation.downloads.get(index, 0)
            operation.downloads[index] = attempt + 1
            operation.active += 1
            operation.max_active = max(operation.max_active, operation.active)
        status = 200
        try:
            if self.headers.get("x-tributary-file") != str(index) or self.headers.get("x-ms-blob-type") != "BlockBlob":
                status = 400
            elif index in spec.get("expired", []) and generation == 0:
                status = 403
            elif index in spec.get("forbidOnce", []) and attempt == 0:
                status = 403
            elif index in spec.get("failOnce", []) and attempt == 0:
                status = 500
            elif index in spec.get("hangAlways", []) or (index in spec.get("hangOnce", []) and attempt == 0):
                status = 0
            with LOCK:
                operation.gets.append([index, generation, status])
            operation.note("GET %d/%d -> %s" % (index, generation, status or "no answer"))
            if status == 0:
                time.sleep(20)
                self.close_connection = True
                return
            if status != 200:
                return self.answer(status, b"<Error><Code>AuthenticationFailed</Code></Error>" if status == 403 else b"")
            time.sleep(float(spec.get("slow", {}).get(str(index), 0)))
            self.answer(200, operation.file(index))
            operation.note("GET %d/%d sent" % (index, generation))
        finally:
            with LOCK:
                operation.active -= 1


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server = Server(("127.0.0.1", PORT), Requests)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("cloudfetch endpoint: listening on https://127.0.0.1:%d" % PORT, flush=True)
server.serve_forever()
