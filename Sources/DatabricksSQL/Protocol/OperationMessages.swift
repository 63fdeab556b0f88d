// ExecuteStatement, the metadata calls, GetOperationStatus, GetResultSetMetadata, FetchResults,
// CancelOperation and CloseOperation.
import Thrift

/// `TExecuteStatementReq`.
struct ExecuteStatementRequest: Sendable {
    var sessionHandle: SessionHandle
    var statement: String
    var configuration: [String: String] = [:]
    var runAsync = true
    /// `getDirectResults` (0x501): Databricks returns the first page with the reply.
    var directResultsMaxRows: Int64?
    var directResultsMaxBytes: Int64?
    /// Seconds; 0 = none.
    var queryTimeout: Int64 = 0
    /// Whether to ask for Arrow results (Databricks): `canReadArrowResult` (0x502),
    /// `canDecompressLZ4Result` (0x504) and `useArrowNativeTypes` (0x506) with timestamps, decimals
    /// and NULL as Arrow types and nested values and intervals as text.
    var arrow = false
    /// Whether large Arrow results may come as CloudFetch links to result files (`canDownloadResult`, 0x503).
    var cloudFetch = false

    func encode(to writer: inout ThriftBinaryWriter) {
        writer.writeFieldBegin(.struct, id: 1)
        sessionHandle.encode(to: &writer)
        writer.writeStringField(id: 2, statement)
        if !configuration.isEmpty { writer.writeStringMapField(id: 3, configuration) }
        if runAsync { writer.writeBoolField(id: 4, true) }  // false is the IDL default
        if queryTimeout > 0 {
            writer.writeFieldBegin(.i64, id: 5)
            writer.writeI64(queryTimeout)
        }
        encodeDirectResults(maxRows: directResultsMaxRows, maxBytes: directResultsMaxBytes, to: &writer)
        if arrow {
            writer.writeBoolField(id: 0x502, true)
            if cloudFetch { writer.writeBoolField(id: 0x503, true) }
            writer.writeBoolField(id: 0x504, true)
            writer.writeFieldBegin(.struct, id: 0x506)
            for (id, native) in [(Int16(1), true), (2, true), (3, false), (4, false), (5, true)] { writer.writeBoolField(id: id, native) }
            writer.writeFieldStop()
        }
        writer.writeFieldStop()
    }
}

func encodeDirectResults(maxRows: Int64?, maxBytes: Int64?, to writer: inout ThriftBinaryWriter) {
    guard let maxRows else { return }
    writer.writeFieldBegin(.struct, id: 0x501)
    writer.writeFieldBegin(.i64, id: 1)
    writer.writeI64(maxRows)
    if let maxBytes {
        writer.writeFieldBegin(.i64, id: 2)
        writer.writeI64(maxBytes)
    }
    writer.writeFieldStop()
}

/// A metadata request: `TGetSchemasReq`, `TGetTablesReq` or `TGetColumnsReq`.
struct MetadataRequest: Sendable {
    enum Kind: Sendable { case schemas, tables, columns }

    var kind: Kind
    var sessionHandle: SessionHandle
    var catalogName: String?
    var schemaPattern: String?
    var tablePattern: String?
    var columnPattern: String?
    var tableTypes: [String]?
    var directResultsMaxRows: Int64?
    var runAsync = true

    var method: String {
        switch kind {
        case .schemas: "GetSchemas"
        case .tables: "GetTables"
        case .columns: "GetColumns"
        }
    }

    func encode(to writer: inout ThriftBinaryWriter) {
        writer.writeFieldBegin(.struct, id: 1)
        sessionHandle.encode(to: &writer)
        writer.writeStringField(id: 2, catalogName)
        writer.writeStringField(id: 3, schemaPattern)
        switch kind {
        case .schemas: break
        case .tables:
            writer.writeStringField(id: 4, tablePattern)
            if let tableTypes {
                writer.writeFieldBegin(.list, id: 5)
                writer.writeListBegin(.binary, count: tableTypes.count)
                for type in tableTypes { writer.writeString(type) }
            }
        case .columns:
            writer.writeStringField(id: 4, tablePattern)
            writer.writeStringField(id: 5, columnPattern)
        }
        encodeDirectResults(maxRows: directResultsMaxRows, maxBytes: nil, to: &writer)
        writer.writeBoolField(id: 0x502, runAsync)
        writer.writeFieldStop()
    }
}

/// The reply of ExecuteStatement and of the metadata calls.
struct OperationStartResponse: ThriftResponse {
    var status: ResponseStatus
    var operationHandle: OperationHandle?
    var directResults: DirectResults?

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        var handle: OperationHandle?
        var direct: DirectResults?
        status = try readResponse(&reader) { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (2, .struct): handle = try OperationHandle(from: &reader)
            case (0x501, .struct): direct = try DirectResults(from: &reader)
            default: return false
            }
            return true
        }
        operationHandle = handle
        directResults = direct
    }
}

/// `TSparkDirectResults`: what Databricks did on the client's behalf.
struct DirectResults: Sendable {
    var operationStatus: OperationStatusResponse?
    var resultSetMetadata: ResultSetMetadataResponse?
    var resultSet: FetchResultsResponse?
    var closeOperation: StatusOnlyResponse?

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        var status: OperationStatusResponse?
        var metadata: ResultSetMetadataResponse?
        var results: FetchResultsResponse?
        var close: StatusOnlyResponse?
        try reader.readStruct { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (1, .struct): status = try OperationStatusResponse(from: &reader)
            case (2, .struct): metadata = try ResultSetMetadataResponse(from: &reader)
            case (3, .struct): results = try FetchResultsResponse(from: &reader)
            case (4, .struct): close = try StatusOnlyResponse(from: &reader)
            default: return false
            }
            return true
        }
        operationStatus = status
        resultSetMetadata = metadata
        resultSet = results
        closeOperation = close
    }
}

/// A request whose only field is an operation handle (status, metadata, cancel, close).
struct OperationRequest: Sendable {
    var operationHandle: OperationHandle

    func encode(to writer: inout ThriftBinaryWriter) {
        writer.writeFieldBegin(.struct, id: 1)
        operationHandle.encode(to: &writer)
        writer.writeFieldStop()
    }
}

/// `TOperationState`.
enum OperationState: Int32, Sendable {
    case initialized = 0
    case running, finished, canceled, closed, error, unknown, pending, timedOut

    var isTerminal: Bool { self != .initialized && self != .running && self != .pending }
}

/// `TGetOperationStatusResp`.
struct OperationStatusResponse: ThriftResponse {
    var status: ResponseStatus
    var state: Int32?
    var sqlState: String?
    var errorCode: Int32?
    var errorMessage: String?
    var hasResultSet: Bool?
    var numModifiedRows: Int64?
    var displayMessage: String?

    var operationState: OperationState? { state.flatMap(OperationState.init(rawValue:)) }

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        var state: Int32?
        var sqlState: String?
        var errorCode: Int32?
        var errorMessage: String?
        var hasResultSet: Bool?
        var modified: Int64?
        var display: String?
        status = try readResponse(&reader) { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (2, .i32): state = try reader.readI32()
            case (3, .binary): sqlState = try reader.readString()
            case (4, .i32): errorCode = try reader.readI32()
            case (5, .binary): errorMessage = try reader.readString()
            case (9, .bool): hasResultSet = try reader.readBool()
            case (11, .i64): modified = try reader.readI64()
            case (0x501, .binary): display = try reader.readString()
            default: return false
            }
            return true
        }
        self.state = state
        self.sqlState = sqlState
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.hasResultSet = hasResultSet
        self.numModifiedRows = modified
        self.displayMessage = display
    }
}

/// `TGetResultSetMetadataResp`.
struct ResultSetMetadataResponse: ThriftResponse {
    var status: ResponseStatus
    var schema: TableSchema?
    /// `TSparkRowSetType` (0x501): 0 Arrow, 1 columns, 2 rows, 3 URLs.
    var resultFormat: Int32?
    /// Whether Arrow batches are LZ4 frames (0x502).
    var lz4Compressed = false
    /// The Arrow schema of the batches, an IPC Schema message (0x503).
    var arrowSchema: [UInt8]?

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        var schema: TableSchema?
        var format: Int32?
        var lz4 = false
        var arrow: [UInt8]?
        status = try readResponse(&reader) { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (2, .struct): schema = try TableSchema(from: &reader)
            case (0x501, .i32): format = try reader.readI32()
            case (0x502, .bool): lz4 = try reader.readBool()
            case (0x503, .binary): arrow = try reader.readBinary()
            default: return false
            }
            return true
        }
        self.schema = schema
        self.resultFormat = format
        self.lz4Compressed = lz4
        self.arrowSchema = arrow
    }
}

/// `TFetchResultsReq` (FETCH_NEXT).
struct FetchResultsRequest: Sendable {
    var operationHandle: OperationHandle
    var maxRows: Int64
    var maxBytes: Int64?
    /// The first row wanted (0x502): Databricks answers from there — how CloudFetch links are asked
    /// for in order and fresh links fetched for an expired one.
    var startRowOffset: Int64?

    func encode(to writer: inout ThriftBinaryWriter) {
        writer.writeFieldBegin(.struct, id: 1)
        operationHandle.encode(to: &writer)
        writer.writeFieldBegin(.i32, id: 2)
        writer.writeI32(0)
        writer.writeFieldBegin(.i64, id: 3)
        writer.writeI64(maxRows)
        if let maxBytes {
            writer.writeFieldBegin(.i64, id: 0x501)
            writer.writeI64(maxBytes)
        }
        if let startRowOffset {
            writer.writeFieldBegin(.i64, id: 0x502)
            writer.writeI64(startRowOffset)
        }
        writer.writeFieldStop()
    }
}

/// `TFetchResultsResp`.
struct FetchResultsResponse: ThriftResponse {
    var status: ResponseStatus
    var hasMoreRows: Bool?
    var results: RowSet?

    init(from reader: inout ThriftBinaryReader) throws(ThriftError) {
        var more: Bool?
        var results: RowSet?
        status = try readResponse(&reader) { reader, field throws(ThriftError) in
            switch (field.id, field.type) {
            case (2, .bool): more = try reader.readBool()
            case (3, .struct): results = try RowSet(from: &reader)
            default: return false
            }
            return true
        }
        hasMoreRows = more
        self.results = results
    }
}
