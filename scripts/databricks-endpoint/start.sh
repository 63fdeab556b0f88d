#!/usr/bin/env bash
# A Databricks-shaped endpoint in front of the local Spark Thrift Server, for end-to-end tests of the
# Databricks code path: nginx with TLS (a CA made here), Bearer-token check, the cluster HTTP path
# /sql/protocolv1/o/<workspace>/<cluster> forwarded to Spark with Basic auth, a canned Clusters API
# (GET /api/2.0/clusters/get) and a second cluster path with a "starting" switch that answers 503 +
# Retry-After like a cluster that is still booting (create $STATE/starting to switch it on; the main
# cluster is never affected, so tests running beside that one are not disturbed); for the dataflow
# tests a "waking" cluster, PENDING (and 503) while $STATE/waking exists, and a "napping" one,
# TERMINATED (and 503) while $STATE/napping exists, with POST /api/2.0/clusters/start answered 200
# (the test removes the flag when it sees that call in logs/access.log).
set -euo pipefail
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
STATE="$HOME_DIR/databricks-endpoint"
PORT=${DATABRICKS_ENDPOINT_PORT:-10443}
SPARK_PORT=${SPARK_PORT:-10001}
WORKSPACE=1234567890123456
CLUSTER=0123-456789-tributary
JOB_CLUSTER=0123-456789-jobcluster
TERMINATED_CLUSTER=0123-456789-terminated
STARTING_CLUSTER=0123-456789-starting
WAKING_CLUSTER=0123-456789-waking
NAPPING_CLUSTER=0123-456789-napping

if ! command -v nginx >/dev/null 2>&1; then
  echo "databricks-endpoint: installing nginx"
  apt-get update -qq && apt-get install -y -qq nginx >/dev/null
fi
if [ -f "$STATE/nginx.pid" ] && kill -0 "$(cat "$STATE/nginx.pid")" 2>/dev/null; then
  echo "databricks-endpoint: already running"
  exit 0
fi
rm -rf "$STATE"
mkdir -p "$STATE"/{logs,tmp}
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

# The Thrift path of a cluster that answers 503 "temporarily unavailable" while $STATE/<flag> exists.
switched_cluster() {
  cat <<LOCATION
    location = /sql/protocolv1/o/$WORKSPACE/$1 {
      if (\$authorized = 0) {
        return 401 '{"error_code":401,"message":"Credential was not sent or was of an unsupported type for this API."}';
      }
      if (-f $STATE/$2) {
        add_header Retry-After 1 always;
        add_header x-thriftserver-error-message "TEMPORARILY_UNAVAILABLE: Cluster $1 is temporarily unavailable." always;
        return 503 '';
      }
      proxy_set_header Authorization "Basic $BASIC";
      proxy_http_version 1.1;
      proxy_read_timeout 300s;
      proxy_pass http://127.0.0.1:$SPARK_PORT/cliservice;
    }
LOCATION
}

cat > nginx.conf <<CONF
worker_processes 1;
pid $STATE/nginx.pid;
error_log $STATE/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log $STATE/logs/access.log;
  client_body_temp_path $STATE/tmp/body;
  proxy_temp_path $STATE/tmp/proxy;
  fastcgi_temp_path $STATE/tmp/fastcgi;
  uwsgi_temp_path $STATE/tmp/uwsgi;
  scgi_temp_path $STATE/tmp/scgi;
  default_type application/json;
  map \$http_authorization \$authorized { "Bearer $TOKEN" 1; default 0; }
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $STATE/server.pem;
    ssl_certificate_key $STATE/server.key;
    client_max_body_size 64m;

    location = /sql/protocolv1/o/$WORKSPACE/$CLUSTER {
      if (\$authorized = 0) {
        add_header x-databricks-reason-phrase "Credential was not sent or was of an unsupported type for this API." always;
        return 401 '{"error_code":401,"message":"Credential was not sent or was of an unsupported type for this API."}';
      }
      proxy_set_header Authorization "Basic $BASIC";
      proxy_http_version 1.1;
      proxy_read_timeout 300s;
      proxy_pass http://127.0.0.1:$SPARK_PORT/cliservice;
    }
$(switched_cluster "$STARTING_CLUSTER" starting)
$(switched_cluster "$WAKING_CLUSTER" waking)
$(switched_cluster "$NAPPING_CLUSTER" napping)
    location = /api/2.0/clusters/start {
      if (\$authorized = 0) {
        return 401 '{"error_code":401,"message":"Credential was not sent or was of an unsupported type for this API."}';
      }
      return 200 '{}';
    }
    location = /api/2.0/clusters/get {
      if (\$authorized = 0) {
        return 401 '{"error_code":401,"message":"Credential was not sent or was of an unsupported type for this API."}';
      }
      if (\$arg_cluster_id = "$CLUSTER") {
        return 200 '{"cluster_id":"$CLUSTER","cluster_name":"tributary-test","state":"RUNNING","state_message":"","cluster_source":"UI","spark_version":"15.4.x-scala2.12"}';
      }
      if (\$arg_cluster_id = "$JOB_CLUSTER") {
        return 200 '{"cluster_id":"$JOB_CLUSTER","cluster_name":"job-123-run-1","state":"RUNNING","state_message":"","cluster_source":"JOB"}';
      }
      if (\$arg_cluster_id = "$STARTING_CLUSTER") {
        return 200 '{"cluster_id":"$STARTING_CLUSTER","cluster_name":"waking","state":"PENDING","state_message":"Starting Spark","cluster_source":"UI"}';
      }
      set \$flagged "";
      if (\$arg_cluster_id = "$WAKING_CLUSTER") { set \$flagged "waking"; }
      if (\$arg_cluster_id = "$NAPPING_CLUSTER") { set \$flagged "napping"; }
      if (-f $STATE/waking) { set \$flagged "\${flagged}+"; }
      if (-f $STATE/napping) { set \$flagged "\${flagged}*"; }
      if (\$flagged ~ "^waking\\+") {
        return 200 '{"cluster_id":"$WAKING_CLUSTER","cluster_name":"waking","state":"PENDING","state_message":"Starting Spark","cluster_source":"UI"}';
      }
      if (\$flagged ~ "^napping\\+?\\*") {
        return 200 '{"cluster_id":"$NAPPING_CLUSTER","cluster_name":"napping","state":"TERMINATED","state_message":"Inactive cluster terminated (inactive for 120 minutes).","cluster_source":"UI"}';
      }
      if (\$flagged ~ "^(waking|napping)") {
        return 200 '{"cluster_id":"\$arg_cluster_id","cluster_name":"awake","state":"RUNNING","state_message":"","cluster_source":"UI"}';
      }
      if (\$arg_cluster_id = "$TERMINATED_CLUSTER") {
        return 200 '{"cluster_id":"$TERMINATED_CLUSTER","cluster_name":"sleepy","state":"TERMINATED","state_message":"Inactive cluster terminated (inactive for 120 minutes).","cluster_source":"UI"}';
      }
      return 400 '{"error_code":"INVALID_PARAMETER_VALUE","message":"Cluster \$arg_cluster_id does not exist"}';
    }
    location / {
      return 404 '{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found for this path"}';
    }
  }
}
CONF
nginx -c "$STATE/nginx.conf" -p "$STATE"
for _ in $(seq 1 50); do
  if curl -s -o /dev/null --cacert "$STATE/ca.pem" "https://127.0.0.1:$PORT/"; then
    echo "databricks-endpoint: ready on https://127.0.0.1:$PORT (workspace $WORKSPACE, cluster $CLUSTER)"
    exit 0
  fi
  sleep 0.1
done
echo "databricks-endpoint: nginx did not come up" >&2
cat "$STATE/logs/error.log" >&2
exit 1
