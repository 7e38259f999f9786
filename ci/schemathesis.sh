#!/usr/bin/env bash
# Runs schemathesis (4.x) against a running Panorama server, driven by the server's own /openapi.json.
#
# Environment:
#   PANORAMA_URL         base URL of the server, e.g. http://127.0.0.1:18099
#   PANORAMA_ADMIN_KEY   an admin key (sent as 'Authorization: Bearer <key>' on /api/v1/*)
#   PANORAMA_WRITE_KEY   a write key (sent as the HTTP Basic user name, empty password, on /v1/*)
#   SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase (default 25)
#   SCHEMATHESIS_SEED          random seed (default fixed, so that CI runs are reproducible)
#   SCHEMATHESIS_TIMEOUT       hard limit in seconds for each of the two runs (default 150)
#
# One worker: with two, schemathesis 4.x (on Python 3.11) now and then crashes in its own test-data
# generator ("AST constructor recursion depth mismatch", a race in compiling its strategies), which
# says nothing about the server.
#
# Checks: no 5xx, and every response's status code, content type, headers and body conform to the document.
# Exits non-zero on any failure.
#
# Use a throwaway server: the run stores test data, creates keys, changes identifier types and, at the
# end, revokes keys at random (the bootstrap keys included).
#
# The run is split: first every operation except DELETE /api/v1/keys/{id}; then the key lifecycle
# (stateful: a created key is revoked through the document's link); last the fuzzing of DELETE
# /api/v1/keys/{id} alone. The fuzzer picks small ids and so revokes the very keys it authenticates
# with, after which every request would be a (documented, but untested) 401.
set -euo pipefail

: "${PANORAMA_URL:?set PANORAMA_URL, e.g. http://127.0.0.1:18099}"
: "${PANORAMA_ADMIN_KEY:?set PANORAMA_ADMIN_KEY}"
: "${PANORAMA_WRITE_KEY:?set PANORAMA_WRITE_KEY}"
export PANORAMA_ADMIN_KEY PANORAMA_WRITE_KEY
url="${PANORAMA_URL%/}"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-50}"
seed="${SCHEMATHESIS_SEED:-20260101}"
limit="${SCHEMATHESIS_TIMEOUT:-150}"

if ! schemathesis --version 2>/dev/null | grep -q 'version 4\.'; then
    echo "installing schemathesis 4.x with pip"
    python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi
schemathesis --version

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Per-scheme credentials: schemathesis sends each operation the scheme its `security` names.
# The ${...} placeholders are resolved by schemathesis from the environment.
cat >"$work/keys.toml" <<'TOML'
[auth.openapi.WriteKey]
username = "${PANORAMA_WRITE_KEY}"
password = ""

[auth.openapi.AdminKey]
bearer = "${PANORAMA_ADMIN_KEY}"
TOML
# The main run also fails when an operation only ever got 401/403 (the keys did not work), when a
# configured scheme is unused, or when a $ref does not resolve: each would leave parts untested.
cp "$work/keys.toml" "$work/main.toml"
cat >>"$work/main.toml" <<'TOML'

[warnings]
fail-on = ["missing_auth", "unused_openapi_auth", "unresolvable_reference"]
TOML

# Wait (up to a minute) for the server, then fail fast, with a clear message, when the keys do not work.
for _ in $(seq 60); do
    curl --silent --fail --max-time 2 --output /dev/null "$url/health" && break
    sleep 1
done
code="$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 30 \
    -H "Authorization: Bearer ${PANORAMA_ADMIN_KEY}" "$url/api/v1/identifier-types" || true)"
if [ "$code" != 200 ]; then
    echo "GET $url/api/v1/identifier-types with PANORAMA_ADMIN_KEY answered $code, not 200" >&2
    exit 1
fi

# Seed a few linked profiles (idempotent: fixed messageIds are acknowledged as duplicates on a rerun),
# so that customer ids 1..4, events, a merge and a conflict exist for the fuzzer to find.
echo "seeding test data"
curl --fail-with-body --silent --show-error --max-time 30 \
    -u "${PANORAMA_WRITE_KEY}:" -H 'Content-Type: application/json' \
    --data-binary @- "$url/v1/batch" <<'JSON'
{"batch": [
  {"type": "identify", "messageId": "schema-seed-1", "userId": "schema-user-1",
   "traits": {"email": "schema1@example.com", "city": "Shanghai", "plan": "pro", "age": 31}},
  {"type": "identify", "messageId": "schema-seed-2", "userId": "schema-user-2",
   "traits": {"email": "schema2@example.com", "vip": true}},
  {"type": "identify", "messageId": "schema-seed-3", "anonymousId": "schema-anon-3",
   "traits": {"phone": "+8613800138000"}},
  {"type": "track", "messageId": "schema-seed-4", "userId": "schema-user-1", "event": "Order Completed",
   "properties": {"total": 99.5}, "originalTimestamp": "2026-01-02T03:04:05Z"},
  {"type": "page", "messageId": "schema-seed-5", "anonymousId": "schema-anon-3", "name": "Home"},
  {"type": "identify", "messageId": "schema-seed-6", "anonymousId": "schema-anon-3",
   "traits": {"email": "schema3@example.com"}},
  {"type": "alias", "messageId": "schema-seed-7", "userId": "schema-user-3", "previousId": "schema-anon-3"},
  {"type": "identify", "messageId": "schema-seed-8", "userId": "schema-user-3",
   "traits": {"email": "schema1@example.com"}},
  {"type": "identify", "messageId": "schema-seed-9", "anonymousId": "schema-anon-4",
   "traits": {"email": "schema4@example.com"}},
  {"type": "track", "messageId": "schema-seed-10", "userId": "schema-user-2", "anonymousId": "schema-anon-4",
   "event": "Signed In", "context": {"device": {"id": "schema-device-2"}}}
]}
JSON
echo
# An order with a line and a refund, so that order 1 exists with something to show.
curl --fail-with-body --silent --show-error --max-time 30 \
    -H "Authorization: Bearer ${PANORAMA_ADMIN_KEY}" -H 'Content-Type: application/json' \
    --data-binary @- "$url/api/v1/orders" <<'JSON'
{"order_id": "schema-order-1", "customer": {"user_id": "schema-user-1"}, "status": "paid", "channel": "store",
 "products": [{"sku": "S-1", "category": "tea", "quantity": 2, "price": "19.90"}]}
JSON
echo
curl --fail-with-body --silent --show-error --max-time 30 \
    -H "Authorization: Bearer ${PANORAMA_ADMIN_KEY}" -H 'Content-Type: application/json' \
    --data-binary '{"refund_id": "schema-refund-1", "lines": [{"line": 1, "quantity": 1}]}' \
    "$url/api/v1/orders/1/refunds" || true
echo

run() {
    # $1: a label; $2: the config file; the rest: operation filters.
    local label="$1" config="$2"
    shift 2
    echo "== schemathesis: $label"
    (
        cd "$work" # keeps any file schemathesis writes out of the work tree
        timeout --kill-after=10 "$limit" schemathesis --config-file "$config" run \
            "$url/openapi.json" \
            --url "$url" \
            --wait-for-schema 30 \
            --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
            --max-examples "$max_examples" \
            --seed "$seed" \
            --workers 1 \
            --request-timeout 10 \
            --generation-database none \
            --suppress-health-check all \
            --no-color \
            "$@"
    )
}

status=0
run "all operations but key revocation" "$work/main.toml" --exclude-operation-id revokeKey || status=1
run "key lifecycle (stateful)" "$work/keys.toml" \
    --include-operation-id createKey --include-operation-id revokeKey --phases stateful || status=1
run "key revocation" "$work/keys.toml" \
    --include-operation-id revokeKey --phases examples,coverage,fuzzing || status=1
if [ "$status" -ne 0 ]; then
    echo "schemathesis: FAILED"
else
    echo "schemathesis: all checks passed"
fi
exit "$status"
