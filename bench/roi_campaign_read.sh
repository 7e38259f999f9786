#!/usr/bin/env bash
# The ROI report's read of campaign touches in SQLite, before (LIKE over the period's events) and
# after (the `campaign` column through the partial index `events_campaign`), on a table shaped as
# `events`: 2,000,000 track events over a year, 200,000 customers, one in 20 with context.campaign.
#
#   flock /tmp/panorama-bench.lock bash bench/roi_campaign_read.sh [DB]     # needs the sqlite3 CLI
set -euo pipefail
db="${1:-/tmp/panorama-roi-read.db}"
if [ ! -s "$db" ]; then
    sqlite3 "$db" <<'SQL'
CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, workspace_id INTEGER NOT NULL, customer_id INTEGER NOT NULL,
  message_id TEXT NOT NULL, type TEXT NOT NULL, event TEXT, name TEXT, timestamp INTEGER NOT NULL, received_at INTEGER NOT NULL,
  properties TEXT, context TEXT, campaign TEXT);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999999)
INSERT INTO events(workspace_id, customer_id, message_id, type, event, timestamp, received_at, properties, context, campaign)
SELECT 1, i % 200000, 'm' || i, 'track', 'Product Viewed', 1735689600000 + i * 15768, 0,
  '{"product_id":"p' || (i % 5000) || '","price":' || (i % 300) || ',"category":"书籍"}',
  CASE WHEN i % 20 = 0
    THEN '{"ip":"1.2.3.4","library":{"name":"analytics.js","version":"4.1"},"campaign":{"name":"c' || (i % 12) || '","source":"wechat"}}'
    ELSE '{"ip":"1.2.3.4","library":{"name":"analytics.js","version":"4.1"},"userAgent":"Mozilla/5.0"}' END,
  CASE WHEN i % 20 = 0 THEN 'c' || (i % 12) END
FROM n;
CREATE INDEX events_campaign ON events(workspace_id, timestamp) WHERE campaign IS NOT NULL;
SQL
fi
# June 2026 and the 30 days before it, epoch ms.
from=$((1748736000000 - 30 * 86400000))
to=1751328000000
period="workspace_id = 1 AND timestamp >= $from AND timestamp < $to"
old="SELECT customer_id, timestamp, context, properties FROM events WHERE $period AND type IN ('page', 'screen', 'track') AND (context LIKE '%\"campaign\"%' OR properties LIKE '%\"utm%') ORDER BY timestamp, id"
new="SELECT customer_id, timestamp, context, properties FROM events WHERE $period AND campaign IS NOT NULL ORDER BY timestamp, id"
for label in old new; do
    query="${!label}"
    echo "$label plan: $(sqlite3 "$db" "EXPLAIN QUERY PLAN $query" | tail -n +2 | tr '\n' ' ')"
    echo "$label rows: $(sqlite3 "$db" "SELECT count(*) FROM ($query)")"
done
for run in 1 2 3; do
    for label in old new; do
        query="${!label}"
        start=$(date +%s%N)
        sqlite3 "$db" "SELECT count(*), sum(length(context)) FROM ($query)" >/dev/null
        echo "run $run $label $(( ($(date +%s%N) - start) / 1000000 )) ms"
    done
done
