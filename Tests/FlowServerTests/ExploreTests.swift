// Test, explore and preview through the API against the live Spark Thrift Server and the
// Databricks-shaped endpoint: the user's path from a new connection to filtered preview rows,
// and every failure named.
import FlowModel
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

extension TestClientProtocol {
    /// Creates a connection and returns its id.
    func connectionId(_ tenant: Tenant, body: String) async throws -> String {
        let response = try await createConnection(tenant, body: body)
        #expect(response.status == .created, "\(String(buffer: response.body))")
        return try #require(response.json["id"]?.stringValue)
    }

    func explore(_ id: String, _ tenant: Tenant, _ query: String) async throws -> TestResponse {
        try await get("/connections/\(id)/explore?\(query)", tenant)
    }
}

func pql(_ expression: String) -> String {
    let envelope = #"{"type":"PQL","format":"pql/json","value":"# + expression + "}"
    return Data(envelope.utf8).base64EncodedString().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
}

func urlEncoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }

@Suite("Explore and preview on live sources", .enabled(if: LiveSources.isAvailable, LiveSources.skip), .liveServers)
struct ExploreTests {
    @Test func aSparkConnectionIsTestedListedDescribedAndPreviewed() async throws {
        try await ExploreFixture.ready.value
        let service = try await LiveSources.service()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let id = try await client.connectionId(tenant, body: LiveSources.sparkConnection(database: ExploreFixture.database))

            let test = try await client.get("/connections/\(id)/test", tenant)
            #expect(test.status == .ok)
            #expect(test.json == ["result": true])

            let root = try await client.explore(id, tenant, "objectType=ROOT")
            #expect(root.status == .ok)
            let items = try #require(root.json.arrayValue)
            #expect(items.map { $0["name"]?.stringValue } == ExploreFixture.tables.map { "\(ExploreFixture.database).\($0)" })
            #expect(
                items.first == [
                    "type": "table", "name": .string("\(ExploreFixture.database).cols"), "path": .string("\(ExploreFixture.database).cols"),
                    "canPreview": true, "canFetchSchema": true,
                ]
            )
            #expect(root.headers[HTTPField.Name("Link")!] == nil)

            let table = try await client.explore(id, tenant, "objectType=table&object=\(ExploreFixture.database).types&preview=true")
            #expect(table.status == .ok, "\(String(buffer: table.body))")
            #expect(table.json["format"] == "flat")
            let columns = try #require(table.json["schema"]?["columns"]?.arrayValue)
            #expect(
                columns.map { $0["name"]?.stringValue ?? "" } == [
                    "b", "i8", "i16", "i32", "i64", "f", "d", "d15", "d38", "s", "v", "bin", "dt", "ts", "ntz", "arr", "m", "st",
                ]
            )
            #expect(columns[0] == ["name": "b", "type": "boolean", "xdm": ["type": "boolean"]])
            #expect(columns[4] == ["name": "i64", "type": "bigint", "xdm": ["type": "integer"], "meta:xdmType": "long"])
            #expect(columns[7] == ["name": "d15", "type": "decimal(15,2)", "xdm": ["type": "number"]])
            #expect(columns[8] == ["name": "d38", "type": "decimal(38,10)", "xdm": ["type": "string"]])
            #expect(columns[12] == ["name": "dt", "type": "date", "meta:xdmType": "date", "xdm": ["type": "string", "format": "date"]])
            #expect(
                columns[13] == ["name": "ts", "type": "timestamp", "meta:xdmType": "date-time", "xdm": ["type": "string", "format": "date-time"]]
            )
            #expect(columns[15]["xdm"] == ["type": "array"] && columns[16]["xdm"] == ["type": "object"] && columns[17]["xdm"] == ["type": "object"])

            let data = try #require(table.json["data"]?.arrayValue)
            #expect(data.count == 2)
            let row = try #require(data.first { $0["b"] == true })
            #expect(row["i8"] == -128 && row["i16"] == -32768 && row["i32"] == -2_147_483_648 && row["i64"] == .integer(.min))
            #expect(row["f"] == .number(0.1) && row["d"] == .number(1.7976931348623157E308))
            #expect(row["d15"] == .number(1234567890123.45))
            #expect(row["d38"] == "1234567890123456789012345678.1234567890")
            #expect(row["s"] == "ünï'cødé 🚀" && row["v"] == "abc" && row["bin"] == "AP8=")
            #expect(row["dt"] == "0001-01-01" && row["ts"] == "2022-06-22T00:00:00.123456Z" && row["ntz"] == "2022-06-22T10:11:12Z")
            #expect(row["arr"] == [1, .null, 3] && row["m"] == ["k": 1] && row["st"] == ["a": 1, "b": "x"])
            let nulls = try #require(data.first { $0["b"] == .null })
            #expect(nulls.objectValue?.values.allSatisfy { $0 == .null } == true && nulls.objectValue?.count == 18)

            // The schema alone reads no rows.
            let schemaOnly = try await client.explore(id, tenant, "objectType=table&object=\(ExploreFixture.database).types")
            #expect(schemaOnly.json["data"] == nil && schemaOnly.json["schema"]?["columns"]?.arrayValue?.count == 18)
            // A path of just the table name is resolved in the connection's database.
            let short = try await client.explore(id, tenant, "objectType=table&object=cols")
            #expect(short.status == .ok)
        }
    }

    @Test func previewsAreCappedAndFilteredAtTheSource() async throws {
        try await ExploreFixture.ready.value
        let service = try await LiveSources.service()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let id = try await client.connectionId(tenant, body: LiveSources.sparkConnection(database: ExploreFixture.database))
            let people = "objectType=table&object=people&preview=true"

            let all = try await client.explore(id, tenant, people)
            #expect(all.json["data"]?.arrayValue?.count == 100, "150 rows, at most 100 shown: \(String(buffer: all.body))")

            let ddn = try await client.explore(
                id,
                tenant,
                people + "&filters="
                    + pql(
                        #"{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"fieldLookup","fieldName":"city"},{"nodeType":"literal","value":"DDN"}]}"#
                    )
            )
            let ddnRows = try #require(ddn.json["data"]?.arrayValue)
            #expect(ddnRows.count == 50 && ddnRows.allSatisfy { $0["city"] == "DDN" }, "\(String(buffer: ddn.body))")

            let combined = try await client.explore(
                id,
                tenant,
                people + "&filters="
                    + pql(
                        #"""
                        {"nodeType":"fnApply","fnName":"and","params":[
                          {"nodeType":"fnApply","fnName":"NOT","params":[{"nodeType":"fnApply","fnName":"isNull","params":[{"nodeType":"fieldLookup","fieldName":"city"}]}]},
                          {"nodeType":"fnApply","fnName":"or","params":[
                            {"nodeType":"fnApply","fnName":"<","params":[{"nodeType":"fieldLookup","fieldName":"id"},{"nodeType":"literal","value":6}]},
                            {"nodeType":"fnApply","fnName":"in","params":[{"nodeType":"fieldLookup","fieldName":"id"},{"nodeType":"literal","value":[120, 121, 122]}]}]},
                          {"nodeType":"fnApply","fnName":"like","params":[{"nodeType":"fieldLookup","fieldName":"name"},{"nodeType":"literal","value":"name 1%"}]},
                          {"nodeType":"fnApply","fnName":"!=","params":[{"nodeType":"fieldLookup","fieldName":"age"},{"nodeType":"literal","value":32}]},
                          {"nodeType":"fnApply","fnName":">=","params":[{"nodeType":"fieldLookup","fieldName":"joined"},{"nodeType":"literal","value":"2022-01-01"}]}]}
                        """#
                    )
            )
            #expect(combined.status == .ok, "\(String(buffer: combined.body))")
            let ids = (combined.json["data"]?.arrayValue ?? []).compactMap { $0["id"]?.int64Value }.sorted()
            #expect(ids == [1, 120, 121], "city not null, id < 6 or in (120,121,122), name like 'name 1%', age != 32")

            // Hostile values are data, never SQL: they match nothing and change nothing.
            let injection = try await client.explore(
                id,
                tenant,
                people + "&filters="
                    + pql(
                        #"{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"fieldLookup","fieldName":"city"},{"nodeType":"literal","value":"x' OR '1'='1' --"}]}"#
                    )
            )
            #expect(injection.status == .ok && injection.json["data"] == [])
            let unknownField = try await client.explore(
                id,
                tenant,
                people + "&filters="
                    + pql(#"{"nodeType":"fnApply","fnName":"isNull","params":[{"nodeType":"fieldLookup","fieldName":"city` IS NULL OR 1=1 --"}]}"#)
            )
            #expect(
                unknownField.status == .badRequest && unknownField.flowCode == "1100-400" && unknownField.json["report"]?["reason"] == "invalidFilter"
            )
            let notBase64 = try await client.explore(id, tenant, people + "&filters=%25%25%25")
            #expect(notBase64.status == .badRequest && notBase64.json["report"]?["reason"] == "invalidFilter")
            let withoutPreview = try await client.explore(id, tenant, "objectType=table&object=people&filters=e30")
            #expect(withoutPreview.status == .badRequest && withoutPreview.flowCode == "1452-400")
        }
    }

    @Test func nestedValuesAreJSONWhateverTheirStringsHold() async throws {
        try await ExploreFixture.ready.value
        let service = try await LiveSources.service()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let id = try await client.connectionId(tenant, body: LiveSources.sparkConnection(database: ExploreFixture.database))
            let nested = try await client.explore(id, tenant, "objectType=table&object=nested&preview=true")
            #expect(nested.status == .ok, "\(String(buffer: nested.body))")
            let row = try #require(nested.json["data"]?[0])
            // Quotes, backslashes and newlines inside nested strings stay strings; NULL members stay.
            #expect(row["tags"] == ["with \"quote\"", .null, "back\\slash"])
            #expect(row["m"] == ["k\"1": ["x": "a\"b", "y": .null]])
            #expect(row["st"] == ["s": "two\nlines", "ts": "2024-01-02T03:04:05.123456Z", "d": "2024-01-02", "l": [1, 2]])
        }
    }

    @Test func awkwardNamesAreQuotedEverywhere() async throws {
        try await ExploreFixture.ready.value
        let service = try await LiveSources.service()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let id = try await client.connectionId(tenant, body: LiveSources.sparkConnection(database: ExploreFixture.database))
            let cols = try await client.explore(id, tenant, "objectType=table&object=cols&preview=true")
            #expect(
                cols.json["schema"]?["columns"]?.arrayValue?.map { $0["name"]?.stringValue ?? "" } == [
                    "col one", "we\"ird", "it's", "back`tick", "dot.ted",
                ]
            )
            #expect(cols.json["data"] == [["col one": 1, "we\"ird": "a", "it's": 2, "back`tick": 3, "dot.ted": 4]])
            let filtered = try await client.explore(
                id,
                tenant,
                "objectType=table&object=cols&preview=true&filters="
                    + pql(
                        #"{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"fieldLookup","fieldName":"back`tick"},{"nodeType":"literal","value":3}]}"#
                    )
            )
            #expect(filtered.json["data"]?.arrayValue?.count == 1)

            // A table whose name has spaces, quotes and backticks (a global temporary view).
            let globalId = try await client.connectionId(tenant, body: LiveSources.sparkConnection(database: "global_temp"))
            let root = try await client.explore(globalId, tenant, "objectType=root")
            #expect(root.status == .ok, "\(String(buffer: root.body))")
            let entry = try #require(root.json.arrayValue?.first { $0["name"]?.stringValue == "global_temp.\(ExploreFixture.hostileView)" })
            let path = try #require(entry["path"]?.stringValue)
            #expect(path == "global_temp.`\(ExploreFixture.hostileView.replacingOccurrences(of: "`", with: "``"))`")
            let view = try await client.explore(globalId, tenant, "objectType=table&preview=true&object=" + urlEncoded(path))
            #expect(view.status == .ok, "\(String(buffer: view.body))")
            #expect(view.json["data"] == [["x y": 1, "it's": "a"]])

            // Hostile paths name tables that do not exist; nothing else happens.
            for object in ["types; DROP TABLE \(ExploreFixture.database).types", "`types`; SELECT 1", "types` UNION SELECT 1 --`"] {
                let response = try await client.explore(id, tenant, "objectType=table&preview=true&object=" + urlEncoded(object))
                #expect([400, 404].contains(response.status.code), "\(object)")
            }
            let missing = try await client.explore(id, tenant, "objectType=table&object=no_such_table")
            #expect(missing.status == .notFound && missing.flowCode == "1101-404" && missing.json["report"]?["reason"] == "tableNotFound")
            let unclosed = try await client.explore(id, tenant, "objectType=table&object=" + urlEncoded("db.`open"))
            #expect(unclosed.status == .badRequest && unclosed.json["report"]?["reason"] == "invalidObject")
            let stillThere = try await client.explore(id, tenant, "objectType=table&object=types")
            #expect(stillThere.status == .ok)
        }
    }

    @Test func manyTablesAndManyColumns() async throws {
        try await ExploreFixture.ready.value
        let service = try await LiveSources.service()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let id = try await client.connectionId(tenant, body: LiveSources.sparkConnection(database: ExploreFixture.database))
            var names: [String] = []
            var query = "objectType=root&limit=5"
            var pages = 0
            while true {
                let page = try await client.explore(id, tenant, query)
                #expect(page.status == .ok)
                pages += 1
                names += (page.json.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                guard let link = page.headers[HTTPField.Name("Link")!] else { break }
                let target = try #require(link.split(separator: "<").last?.split(separator: ">").first)
                #expect(target.hasPrefix("\(flowBase)/connections/\(id)/explore?"))
                query = String(target.split(separator: "?", maxSplits: 1).last!)
                if pages > 10 { break }
            }
            #expect(pages == 3)
            #expect(names == ExploreFixture.tables.map { "\(ExploreFixture.database).\($0)" })
            let badLimit = try await client.explore(id, tenant, "objectType=root&limit=1001")
            #expect(badLimit.status == .badRequest && badLimit.flowCode == "1452-400")
            let badToken = try await client.explore(id, tenant, "objectType=root&continuationToken=%%%")
            #expect(badToken.status == .badRequest)

            let wide = try await client.explore(id, tenant, "objectType=table&object=wide&preview=true")
            #expect(wide.status == .ok)
            let columns = try #require(wide.json["schema"]?["columns"]?.arrayValue)
            #expect(columns.count == ExploreFixture.wideColumns)
            #expect(columns.last?["name"] == .string("c\(ExploreFixture.wideColumns - 1)"))
            let row = try #require(wide.json["data"]?.arrayValue?.first?.objectValue)
            #expect(row.count == ExploreFixture.wideColumns && row["c4999"] == 4999)
        }
    }

    @Test func failuresAreNamedAndFast() async throws {
        try await ExploreFixture.ready.value
        let service = try await LiveSources.service(timeoutSeconds: 4)
        try await service.test { client in
            let tenant = try await service.tenant(client)
            // Unknown database.
            let unknown = try await client.connectionId(
                tenant,
                body: LiveSources.sparkConnection(database: "no_such_db_\(UUID().uuidString.prefix(6))")
            )
            let unknownTest = try await client.get("/connections/\(unknown)/test", tenant)
            #expect(unknownTest.json["result"] == false && unknownTest.json["reason"]?["code"] == "databaseNotFound")
            let unknownRoot = try await client.explore(unknown, tenant, "objectType=root")
            #expect(unknownRoot.status == .badRequest && unknownRoot.json["report"]?["reason"] == "databaseNotFound")

            // A server that is not running (nothing listens on port 1).
            let stopped = try await client.connectionId(tenant, body: LiveSources.sparkConnection(database: "default", host: "127.0.0.1", port: 1))
            let started = ContinuousClock.now
            let stoppedTest = try await client.get("/connections/\(stopped)/test", tenant)
            #expect(stoppedTest.json["result"] == false && stoppedTest.json["reason"]?["code"] == "unreachable")
            let stoppedRoot = try await client.explore(stopped, tenant, "objectType=root")
            #expect(stoppedRoot.status == .serviceUnavailable && stoppedRoot.flowCode == "1103-503")
            #expect(ContinuousClock.now - started < .seconds(10))

            // A preview slower than the deadline is cut off (and cancelled on the server).
            let id = try await client.connectionId(tenant, body: LiveSources.sparkConnection(database: ExploreFixture.database))
            let slowStart = ContinuousClock.now
            let slow = try await client.explore(id, tenant, "objectType=table&object=slow&preview=true")
            #expect(
                slow.status == .gatewayTimeout && slow.flowCode == "1104-504" && slow.json["report"]?["reason"] == "timeout",
                "\(String(buffer: slow.body))"
            )
            // The 504 itself proves the deadline fired (the view answers after 8 s); the bound only
            // catches a hang, loosely, since the whole suite shares two cores.
            #expect(ContinuousClock.now - slowStart < .seconds(30))

            // Bad requests.
            #expect(try await client.explore(id, tenant, "objectType=folder").flowCode == "1452-400")
            #expect(try await client.explore(id, tenant, "object=types").flowCode == "1452-400")
            #expect(try await client.explore(id, tenant, "objectType=table").flowCode == "1452-400")
            #expect(try await client.explore(id, tenant, "objectType=table&object=types&preview=maybe").flowCode == "1452-400")
            #expect(try await client.explore(id, tenant, "objectType=root&fileType=JSON").flowCode == "1451-400")
            #expect(try await client.get("/connections/\(id)/test?x=1", tenant).flowCode == "1451-400")
            #expect(try await client.get("/connections/00000000-0000-0000-0000-000000000000/test", tenant).status == .notFound)
        }
        #expect(!service.logs.text.contains("spark-secret"))
    }

    @Test func databricksConnectionsCheckTheClusterAndTheToken() async throws {
        try await ExploreFixture.ready.value
        let service = try await LiveSources.service()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let id = try await client.connectionId(tenant, body: LiveSources.databricksConnection(database: ExploreFixture.database))
            #expect(try await client.get("/connections/\(id)/test", tenant).json == ["result": true])
            let root = try await client.explore(id, tenant, "objectType=root")
            #expect(root.json.arrayValue?.count == ExploreFixture.tables.count)
            let preview = try await client.explore(id, tenant, "objectType=table&object=people&preview=true")
            #expect(preview.json["data"]?.arrayValue?.count == 100)

            let cases: [(cluster: String, token: String?, reason: String)] = [
                (LiveSources.cluster, "dapi-wrong-token", "authenticationFailed"),
                ("0000-000000-missing", nil, "clusterNotFound"),
                ("0123-456789-jobcluster", nil, "jobCluster"),
                ("0123-456789-terminated", nil, "clusterNotRunning"),
                ("0123-456789-starting", nil, "clusterNotRunning"),
            ]
            for (cluster, token, reason) in cases {
                let connection = try await client.connectionId(
                    tenant,
                    body: LiveSources.databricksConnection(database: ExploreFixture.database, cluster: cluster, token: token)
                )
                let test = try await client.get("/connections/\(connection)/test", tenant)
                #expect(test.json["result"] == false && test.json["reason"]?["code"] == .string(reason), "\(cluster): \(test.json)")
                let explore = try await client.explore(connection, tenant, "objectType=root")
                #expect(explore.status == .badRequest && explore.json["report"]?["reason"] == .string(reason))
                #expect(!String(buffer: test.body).contains("dapi") && !String(buffer: explore.body).contains("dapi"))
            }
            let terminated = try await client.connectionId(
                tenant,
                body: LiveSources.databricksConnection(database: ExploreFixture.database, cluster: "0123-456789-terminated")
            )
            let message = try await client.get("/connections/\(terminated)/test", tenant).json["reason"]?["message"]?.stringValue ?? ""
            #expect(message.contains("TERMINATED") && message.contains("Inactive cluster terminated"))
        }
        #expect(!service.logs.text.contains(LiveSources.databricksToken))
    }
}

@Suite("Connection hosts (SSRF)")
struct ConnectionHostTests {
    @Test func clientsCannotAimConnectionsAtInternalAddresses() async throws {
        let service = try await TestService.make()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let databricks = [
                "https://169.254.169.254", "http://169.254.169.254", "file:///etc/passwd", "https://localhost", "https://127.0.0.1:10443",
                "https://metadata.google.internal", "https://adb-1.7.azuredatabricks.net.evil.example",
            ]
            for domain in databricks {
                let body = seedRequestBody().replacingOccurrences(of: "https://adb-1234567890123456.7.azuredatabricks.net", with: domain)
                let response = try await client.createConnection(tenant, body: body)
                #expect(response.status == .badRequest, "\(domain)")
            }
            for host in ["169.254.169.254", "localhost", "127.0.0.1", "10.0.0.5", "[::1]", "metadata.google.internal"] {
                let body = LiveSources.sparkConnection(database: "default", host: host, port: 10001)
                let response = try await client.createConnection(tenant, body: body)
                #expect(response.status == .badRequest, "\(host)")
            }
            // The seed request's workspace host is a Databricks host: accepted.
            #expect(try await client.createConnection(tenant).status == .created)
            // A PATCH cannot move a connection to an internal host either.
            let id = try #require(try await client.createConnection(tenant).json["id"]?.stringValue)
            let etag = try #require(try await client.get("/connections/\(id)", tenant).json["items"]?.arrayValue?.first?["etag"]?.stringValue)
            var headers = tenant.headers(json: true)
            headers[.ifMatch] = etag
            let patch = try await client.execute(
                uri: "\(flowBase)/connections/\(id)",
                method: .patch,
                headers: headers,
                body: ByteBuffer(string: #"[{"op":"replace","path":"/auth/params/domain","value":"https://169.254.169.254"}]"#)
            )
            #expect(patch.status == .badRequest && patch.json["report"]?["reason"] == "hostNotAllowed")
        }
    }
}
