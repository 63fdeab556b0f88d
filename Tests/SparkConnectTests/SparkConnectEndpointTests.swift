// Spark Connect addresses: Spark's connection-string form and Databricks clusters, with the token
// kept out of every description.
import DatabricksSQL
import GRPCCore
import Testing

@testable import SparkConnect

struct SparkConnectEndpointTests {
    @Test func aConnectionStringNamesHostPortAndParameters() throws {
        let plain = try SparkConnectEndpoint.connectionString("sc://spark.internal")
        #expect(plain.host == "spark.internal" && plain.port == 15002 && !plain.usesTLS && plain.token == nil)

        let full = try SparkConnectEndpoint.connectionString("sc://10.0.0.7:443/;token=s3cr%3Dt;user_id=etl;x-databricks-cluster-id=0123-456789-abc")
        #expect(full.host == "10.0.0.7" && full.port == 443)
        #expect(full.usesTLS, "a token implies TLS")
        #expect(full.token == "s3cr=t" && full.userId == "etl" && full.clusterId == "0123-456789-abc")
        #expect(full.headers.map(\.name) == ["x-databricks-cluster-id"])
        #expect(!full.description.contains("s3cr"))

        let noTLS = try SparkConnectEndpoint.connectionString("sc://[::1]:15003/;token=t;use_ssl=false")
        #expect(noTLS.host == "::1" && noTLS.port == 15003 && !noTLS.usesTLS)
        #expect(try SparkConnectEndpoint.connectionString("sc://h:1", token: "apart").token == "apart")
    }

    @Test func aBadConnectionStringIsRefusedWithItsReason() {
        for (text, reason) in [
            ("http://spark:15002", "sc://"), ("sc://", "names a host"), ("sc://h:0", "port"), ("sc://h:99999", "port"),
            ("sc://h:x", "port"), ("sc://user@h", "names a host"), ("sc://h/;novalue", "name=value"),
            ("sc://h/;authorization=Basic%20x", "not a valid header"), ("sc://h/;grpc-timeout=1", "not a valid header"),
            ("sc://h/;x-a=b%0Ac", "not a valid header"), ("sc://[::1", "IPv6"),
        ] {
            #expect {
                _ = try SparkConnectEndpoint.connectionString(text)
            } throws: { error in
                guard let error = error as? DatabricksSQLError else { return false }
                return error.code == .invalidConfiguration && error.message.contains(reason)
            }
        }
    }

    @Test func aDatabricksClusterIsTheWorkspaceHostOverTLSWithItsClusterHeader() throws {
        let endpoint = try SparkConnectEndpoint.databricks(
            domain: "https://adb-1234567890123456.7.azuredatabricks.net/",
            clusterId: "0123-456789-abc",
            accessToken: "dapi-secret"
        )
        #expect(endpoint.host == "adb-1234567890123456.7.azuredatabricks.net" && endpoint.port == 443 && endpoint.usesTLS)
        #expect(endpoint.headers.map(\.name) == ["x-databricks-cluster-id"] && endpoint.headers.map(\.value) == ["0123-456789-abc"])
        #expect(!endpoint.description.contains("dapi"))
        let client = SparkConnectClient(endpoint: endpoint)
        #expect(client.metadata[stringValues: "authorization"].map { $0 } == ["Bearer dapi-secret"])
        #expect(client.metadata[stringValues: "x-databricks-cluster-id"].map { $0 } == ["0123-456789-abc"])
        #expect(throws: DatabricksSQLError.self) {
            try SparkConnectEndpoint.databricks(domain: "http://adb-1.2.azuredatabricks.net", clusterId: "c", accessToken: "t")
        }
        #expect(throws: DatabricksSQLError.self) { try SparkConnectEndpoint.databricks(domain: "https://h", clusterId: "a b", accessToken: "t") }
    }

    @Test func intervalsAreWrittenAsSparkWritesThem() {
        #expect(SQLIntervalFormatting.yearMonth(months: 14) == "1-2")
        #expect(SQLIntervalFormatting.yearMonth(months: -47) == "-3-11")
        #expect(SQLIntervalFormatting.yearMonth(months: .min).hasPrefix("-"))
        #expect(SQLIntervalFormatting.dayTime(microseconds: 93_784_500_000) == "1 02:03:04.500000000")
        #expect(SQLIntervalFormatting.dayTime(microseconds: -1) == "-0 00:00:00.000001000")
        #expect(SQLIntervalFormatting.dayTime(microseconds: .min).hasPrefix("-106751991 "))
    }
}
