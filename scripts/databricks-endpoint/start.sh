#!/usr/bin/env bash
# A Databricks-shaped endpoint in front of the local Spark Thrift Server, for end-to-end tests of the
# Databricks code path: nginx with TLS (a CA made here), Bearer-token check, the cluster HTTP path
# /sql/protocolv1/o/<workspace>/<cluster> forwarded to Spark with Basic auth, and the Clusters API
# (GET /api/2.0/clusters/get, POST /api/2.0/clusters/start). The same listener speaks HTTP/2 and
# forwards Spark Connect (gRPC, the path /spark.connect.SparkConnectService/…) to Spark's Connect port,
# as a cluster answers Databricks Connect: Bearer token, x-databricks-cluster-id naming a cluster.
# Beside it, on port 10445 (CLOUDFETCH_PORT), cloudfetch.py: a Databricks SQL endpoint of its own
# that answers with CloudFetch links to result files (see that file; needs scripts/pyarrow/install.sh).
#
# Clusters are files, one set per cluster id, so that every test can own clusters no other test sees:
#   $STATE/clusters/<id>.json         what GET /api/2.0/clusters/get answers (the cluster exists);
#   $STATE/clusters/<id>.unavailable  while present, the cluster's Thrift path answers 503 + Retry-After,
#                                     as a cluster that is still booting does;
#   $STATE/logs/cluster-starts.log    one line per POST /api/2.0/clusters/start, with its JSON body.
# Four clusters exist from the start: the running interactive cluster the suites share
# (0123-456789-tributary), a job cluster, a terminated and a pending one. Tests write their own
# (Tests/TestSupport/DatabricksTestCluster.swift); ids are letters, digits and dashes.
#
# The workers run as the user who starts the endpoint, so they see these files wherever the checkout
# lives (nginx's default worker user, nobody, cannot search a 0700 home or mktemp directory).
set -euo pipefail
SCRIPTS="$(cd "$(dirname "$0")" && pwd)"
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
STATE="$HOME_DIR/databricks-endpoint"
PORT=${DATABRICKS_ENDPOINT_PORT:-10443}
SPARK_PORT=${SPARK_PORT:-10001}
SPARK_CONNECT_PORT=${SPARK_CONNECT_PORT:-15002}
CLOUDFETCH_PORT=${CLOUDFETCH_PORT:-10445}
WORKSPACE=1234567890123456
CLUSTER=0123-456789-tributary

if ! command -v nginx >/dev/null 2>&1; then
  echo "databricks-endpoint: installing nginx"
  apt-get update -qq && apt-get install -y -qq nginx >/dev/null
fi
if [ -f "$STATE/nginx.pid" ] && kill -0 "$(cat "$STATE/nginx.pid")" 2>/dev/null; then
  echo "databricks-endpoint: already running"
  exit 0
fi
rm -rf "$STATE"
mkdir -p "$STATE"/{logs,tmp,clusters}
cd "$STATE"

# A test CA and a server certificate for 127.0.0.1 / localhost.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Tributary Test CA" -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr 2>/dev/null
printf "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile server.ext -out server.pem 2>/dev/null

# A fresh token for this run, Databricks-shaped.
TOKEN="dapi$(openssl rand -hex 16)"
printf '%s' "$TOKEN" > token
chmod 600 token
BASIC=$(printf 'token:%s' "$TOKEN" | base64 -w0)

cluster() { # id name state source [state message]
  printf '{"cluster_id":"%s","cluster_name":"%s","state":"%s","state_message":"%s","cluster_source":"%s","spark_version":"15.4.x-scala2.12"}' \
    "$1" "$2" "$3" "${5:-}" "$4" > "clusters/$1.json"
}
cluster "$CLUSTER" tributary-test RUNNING UI
cluster 0123-456789-jobcluster job-123-run-1 RUNNING JOB
cluster 0123-456789-terminated sleepy TERMINATED UI "Inactive cluster terminated (inactive for 120 minutes)."
cluster 0123-456789-starting waking PENDING UI "Starting Spark"

UNAUTHORIZED='{"error_code":401,"message":"Credential was not sent or was of an unsupported type for this API."}'
USER_LINE=""
# A master started by root would hand its workers to nobody.
if [ "$(id -u)" = 0 ]; then USER_LINE="user root root;"; fi

cat > nginx.conf <<CONF
$USER_LINE
worker_processes 1;
pid $STATE/nginx.pid;
error_log $STATE/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log $STATE/logs/access.log;
  log_format cluster_starts escape=json '\$time_iso8601 \$request_body';
  client_body_temp_path $STATE/tmp/body;
  proxy_temp_path $STATE/tmp/proxy;
  fastcgi_temp_path $STATE/tmp/fastcgi;
  uwsgi_temp_path $STATE/tmp/uwsgi;
  scgi_temp_path $STATE/tmp/scgi;
  default_type application/json;
  map \$http_authorization \$authorized { "Bearer $TOKEN" 1; default 0; }
  server {
    listen 127.0.0.1:$PORT ssl http2;
    ssl_certificate $STATE/server.pem;
    ssl_certificate_key $STATE/server.key;
    client_max_body_size 64m;

    # A cluster's Thrift endpoint: 404 for a cluster that does not exist, 503 while it boots.
    location ~ ^/sql/protocolv1/o/$WORKSPACE/(?<cluster>[0-9A-Za-z-]+)\$ {
      if (\$authorized = 0) {
        add_header x-databricks-reason-phrase "Credential was not sent or was of an unsupported type for this API." always;
        return 401 '$UNAUTHORIZED';
      }
      if (!-f $STATE/clusters/\$cluster.json) {
        return 404 '{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found for this path"}';
      }
      if (-f $STATE/clusters/\$cluster.unavailable) {
        add_header Retry-After 1 always;
        add_header x-thriftserver-error-message "TEMPORARILY_UNAVAILABLE: Cluster \$cluster is temporarily unavailable." always;
        return 503 '';
      }
      proxy_set_header Authorization "Basic $BASIC";
      proxy_http_version 1.1;
      proxy_read_timeout 300s;
      rewrite ^ /cliservice break;
      proxy_pass http://127.0.0.1:$SPARK_PORT;
    }
    # Spark Connect, as Databricks Connect reaches a cluster: gRPC errors by HTTP status (401 →
    # UNAUTHENTICATED, 404 → UNIMPLEMENTED, 503 → UNAVAILABLE), the token not passed on.
    location /spark.connect.SparkConnectService/ {
      if (\$authorized = 0) {
        return 401;
      }
      if (\$http_x_databricks_cluster_id !~ "^[0-9A-Za-z-]+\$") {
        return 400;
      }
      if (!-f $STATE/clusters/\$http_x_databricks_cluster_id.json) {
        return 404;
      }
      if (-f $STATE/clusters/\$http_x_databricks_cluster_id.unavailable) {
        return 503;
      }
      grpc_set_header Authorization "";
      grpc_read_timeout 300s;
      grpc_send_timeout 300s;
      grpc_pass grpc://127.0.0.1:$SPARK_CONNECT_PORT;
    }
    location = /api/2.0/clusters/get {
      if (\$authorized = 0) {
        return 401 '$UNAUTHORIZED';
      }
      if (\$arg_cluster_id !~ "^[0-9A-Za-z-]+\$") {
        return 400 '{"error_code":"INVALID_PARAMETER_VALUE","message":"Cluster \$arg_cluster_id does not exist"}';
      }
      if (!-f $STATE/clusters/\$arg_cluster_id.json) {
        return 400 '{"error_code":"INVALID_PARAMETER_VALUE","message":"Cluster \$arg_cluster_id does not exist"}';
      }
      root $STATE/clusters;
      rewrite ^ /\$arg_cluster_id.json break;
    }
    # Answered 200; the request body (the cluster id) goes to logs/cluster-starts.log: nginx keeps a
    # body only for a request it proxies, so the answer comes from the location below, through itself.
    location = /api/2.0/clusters/start {
      if (\$authorized = 0) {
        return 401 '$UNAUTHORIZED';
      }
      access_log $STATE/logs/cluster-starts.log cluster_starts;
      proxy_pass https://127.0.0.1:$PORT/_test/started;
    }
    location = /_test/started {
      access_log off;
      return 200 '{}';
    }
    location / {
      return 404 '{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found for this path"}';
    }
  }
}
CONF
nginx -c "$STATE/nginx.conf" -p "$STATE"
HOME_DIR="$HOME_DIR" setsid "$HOME_DIR/pyarrow-venv/bin/python" "$SCRIPTS/cloudfetch.py" "$CLOUDFETCH_PORT" server.pem server.key token \
  > logs/cloudfetch.log 2>&1 < /dev/null &
echo $! > cloudfetch.pid
ready() { curl -s -o /dev/null --cacert "$STATE/ca.pem" "https://127.0.0.1:$1/"; }
for _ in $(seq 1 100); do
  if ready "$PORT" && ready "$CLOUDFETCH_PORT"; then
    echo "databricks-endpoint: ready on https://127.0.0.1:$PORT (workspace $WORKSPACE, cluster $CLUSTER), CloudFetch on $CLOUDFETCH_PORT"
    exit 0
  fi
  sleep 0.1
done
echo "databricks-endpoint: nginx or the CloudFetch endpoint did not come up" >&2
cat "$STATE/logs/error.log" "$STATE/logs/cloudfetch.log" >&2
exit 1
