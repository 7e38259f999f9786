#!/usr/bin/env python3
"""The tag-engine workload in DuckDB, on the data `panorama bench generate` writes.

    swift build -c release --product panorama
    .build/release/panorama bench generate --customers 10000000 --out /tmp/tags-10m
    python3 bench/duckdb_tags.py /tmp/tags-10m            # prints JSON timings
    python3 bench/duckdb_tags.py /tmp/tags-10m --checksums

It adapts ../shared/bench/duckdb_workload.py to the raw column files of `SyntheticData`
(manifest.json + little-endian arrays), so DuckDB and the engine read identical data:

- load: the files with numpy.fromfile, registered in DuckDB and copied into tables (string
  columns become ENUM types, DuckDB's dictionary encoding);
- W1 features: the 20 traits of `TagBenchmarkWorkload.traits` (Swift), same semantics;
- W2 tags: the 20 rule tags of `TagBenchmarkWorkload.tags` and RFM scores and segment as
  `RFM` defines them (1 + floor(5 × strictly worse buyers / buyers), the same grid);
- W3: the 10 segment counts of `TagBenchmarkWorkload.segments`, 5 runs each after a warm-up,
  median per segment; then a preview of the first 100 members of the first segment.

Keep the SQL here in step with TagBenchmarkWorkload.swift and RFM.swift. Money is in cents
(the files' minor units); the average order value is in the engine's decimal units (×10⁴
yuan = cents × 100). `--checksums` prints, per trait, the non-NULL count and the sum of the
values in the engine's encoding, to compare with `panorama bench generate --measure --json`.

Needs: pip install duckdb numpy (no pandas or pyarrow)."""
import json
import os
import resource
import statistics
import sys
import time

import duckdb
import numpy as np

# RFM segment names in RFMSegment order, and the grid (R rows 1…5, FM columns 1…5) of RFM.swift.
SEGMENT_NAMES = ["Champions", "Loyal", "Potential Loyalist", "New", "Promising", "Need Attention",
                 "About to Sleep", "At Risk", "Can't Lose", "Hibernating", "Lost"]
GRID = [["Lost", "Hibernating", "At Risk", "At Risk", "Can't Lose"],
        ["Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose"],
        ["About to Sleep", "About to Sleep", "Need Attention", "Loyal", "Loyal"],
        ["Promising", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"],
        ["New", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"]]
PAID, REFUNDED = 0, 1  # OrderColumns.Status raw values


def say(text):
    print(text, file=sys.stderr, flush=True)


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def sql_list(names):
    return "(" + ", ".join(quote(n) for n in names) + ")"


def load(con, directory):
    """Reads the raw files into DuckDB tables c (customers), o (orders), e (events)."""
    manifest = json.load(open(os.path.join(directory, "manifest.json"), encoding="utf-8"))
    path = lambda name: os.path.join(directory, name)
    dtypes = {"int64": "<i8", "int32": "<i4", "uint8": "u1"}

    def enum(name, strings):
        con.execute(f"create type {name} as enum {sql_list(strings)}")

    def decode(column, code, enum_type, strings):
        # codes → strings → ENUM, NULL for -1 (no value)
        return f"case when {code} >= 0 then cast({sql_list_array(strings)}[{code} + 1] as {enum_type}) end as {column}"

    def sql_list_array(strings):
        return "[" + ", ".join(quote(s) for s in strings) + "]"

    n = manifest["customers"]["rows"]
    raw = {"customer_id": np.arange(n, dtype=np.int64)}
    select = ["customer_id"]
    for column in manifest["customers"]["columns"]:
        name = column["name"]
        raw[name] = np.fromfile(path(column["file"]), dtype="<i8", count=n)
        words = np.fromfile(path(column["present"]), dtype="<u8")
        raw[name + "__present"] = np.unpackbits(words.view(np.uint8), bitorder="little")[:n].astype(bool)
        value = f"{name}"
        if column["type"] == "string":
            enum(f"{name}_t", column["dictionary"])
            value = f"cast({sql_list_array(column['dictionary'])}[{name} + 1] as {name}_t)"
        elif column["type"] == "date":
            value = f"cast(date '1970-01-01' + cast({name} as integer) as date)"
        select.append(f"case when {name}__present then {value} end as {name}")
    con.register("raw_c", raw)
    con.execute(f"create table c as select {', '.join(select)} from raw_c")
    con.unregister("raw_c")
    del raw

    def activity(table, spec, prefix):
        offsets = np.fromfile(path(spec["offsets"]), dtype="<i8", count=spec["rows"] + 1)
        arrays = {"customer_id": np.repeat(np.arange(spec["rows"], dtype=np.int64), np.diff(offsets))}
        arrays["rid"] = np.arange(spec["records"], dtype=np.int64)
        select = ["customer_id", "rid"]
        for column in spec["columns"]:
            name = column["name"][len(prefix):]
            arrays[name] = np.fromfile(path(column["file"]), dtype=dtypes[column["dtype"]], count=spec["records"])
            if column.get("dictionary") and name != "status":
                enum(f"{table}_{name}_t", column["dictionary"])
                select.append(decode(name, name, f"{table}_{name}_t", column["dictionary"]))
            else:
                select.append(name)
        con.register(f"raw_{table}", arrays)
        con.execute(f"create table {table} as select {', '.join(select)} from raw_{table}")
        con.unregister(f"raw_{table}")

    activity("o", manifest["orders"], "orders.")
    activity("e", manifest["events"], "events.")
    cities = next(c for c in manifest["customers"]["columns"] if c["name"] == "city")["dictionary"]
    return manifest, cities


def workload(manifest, cities):
    """The SQL of W1, W2 and W3 for this data set."""
    t = manifest["today"]
    offset = manifest["utc_offset_seconds"]
    paid = f"status = {PAID}"
    features = f"""create or replace table f as select c.*,
 coalesce(x.order_count, 0) order_count, x.total_spend, x.spend_30d, x.spend_90d, x.spend_365d,
 coalesce(x.orders_30d, 0) orders_30d, coalesce(x.orders_90d, 0) orders_90d,
 coalesce(x.orders_365d, 0) orders_365d, coalesce(x.refund_count, 0) refund_count,
 x.days_since_first_order, x.days_since_last_order, x.avg_order_value, x.max_order_amount,
 coalesce(x.distinct_channels, 0) distinct_channels, x.last_channel, x.items_bought, x.first_store,
 coalesce(x.store_orders_365d, 0) store_orders_365d,
 coalesce(y.events_7d, 0) events_7d, coalesce(y.product_views_30d, 0) product_views_30d
 from c
 left join (select customer_id,
   count(*) filter (where {paid}) order_count,
   sum(amount) filter (where {paid}) total_spend,
   sum(amount) filter (where {paid} and day >= {t - 30}) spend_30d,
   sum(amount) filter (where {paid} and day >= {t - 90}) spend_90d,
   sum(amount) filter (where {paid} and day >= {t - 365}) spend_365d,
   count(*) filter (where {paid} and day >= {t - 30}) orders_30d,
   count(*) filter (where {paid} and day >= {t - 90}) orders_90d,
   count(*) filter (where {paid} and day >= {t - 365}) orders_365d,
   count(*) filter (where status = {REFUNDED}) refund_count,
   {t} - min(day) filter (where {paid}) days_since_first_order,
   {t} - max(day) filter (where {paid}) days_since_last_order,
   (sum(amount) filter (where {paid}) * 100) // count(*) filter (where {paid}) avg_order_value,
   max(amount) filter (where {paid}) max_order_amount,
   count(distinct channel) filter (where {paid}) distinct_channels,
   arg_max(channel, rid) filter (where {paid}) last_channel,
   sum(items) filter (where {paid}) items_bought,
   arg_min(store, rid) filter (where {paid}) first_store,
   count(*) filter (where {paid} and channel = 'store' and day >= {t - 365}) store_orders_365d
  from o group by customer_id) x using (customer_id)
 left join (select customer_id,
   count(*) filter (where day >= {t - 7}) events_7d,
   count(*) filter (where name = 'Product Viewed') product_views_30d
  from e where day >= {t - 30} group by customer_id) y using (customer_id)"""

    tags = [
        ("frequent_30d", "orders_30d >= 3"),
        ("big_spender", "total_spend > 300000"),
        ("top_city", f"city in {sql_list(cities[:10])}"),
        ("dormant_180d", "days_since_last_order > 180"),
        ("female_spender_90d", "gender = 'female' and spend_90d > 50000"),
        ("never_bought", "order_count = 0"),
        ("loyal_10_orders", "order_count >= 10"),
        ("has_refund", "refund_count > 0"),
        ("high_value_365d", "spend_365d > 200000"),
        ("born_1990s_or_later", "birth_date >= date '1990-01-01'"),
        ("born_before_1970", "birth_date < date '1970-01-01'"),
        ("lapsed_90d", "orders_90d = 0 and order_count > 0"),
        ("signed_up_30d", f"{t} - (signup_at + {offset}) // 86400 <= 30"),
        ("new_buyer_90d", "days_since_first_order <= 90"),
        ("spend_30d_300", "spend_30d > 30000"),
        ("high_aov", "avg_order_value > 3000000"),
        ("regular_365d", "orders_365d >= 4"),
        ("second_tier_city", f"city in {sql_list(cities[10:50])}"),
        ("male_repeat_365d", "gender = 'male' and orders_365d >= 2"),
        ("active_30d", "days_since_last_order <= 30"),
    ]
    grid = "[" + ", ".join(quote(GRID[r][fm]) for r in range(5) for fm in range(5)) + "]"
    tag_columns = ",\n ".join(f"coalesce({rule}, false) as {name}" for name, rule in tags)
    tags_sql = f"""create or replace table t as
 with q as (select customer_id,
   1 + (5 * (rank() over (order by days_since_last_order desc) - 1)) // count(*) over () rfm_r,
   1 + (5 * (rank() over (order by order_count) - 1)) // count(*) over () rfm_f,
   1 + (5 * (rank() over (order by total_spend) - 1)) // count(*) over () rfm_m
  from f where order_count > 0)
 select f.customer_id,
 {tag_columns},
 q.rfm_r, q.rfm_f, q.rfm_m,
 {grid}[(q.rfm_r - 1) * 5 + (q.rfm_f + q.rfm_m + 1) // 2] as rfm_segment
 from f left join q using (customer_id)"""

    segments = [
        ("s1_frequent_top_city", "frequent_30d and top_city"),
        ("s2_valuable", "big_spender or high_value_365d"),
        ("s3_dormant_or_regular", "(dormant_180d and not has_refund) or regular_365d"),
        ("s4_female_top_city", "female_spender_90d and top_city and not never_bought"),
        ("s5_recent_champions_top_city", "rfm_r >= 4 and rfm_f >= 4 and rfm_m >= 4 and top_city"),
        ("s6_age_band_active", "(born_1990s_or_later or born_before_1970) and not lapsed_90d and active_30d"),
        ("s7_loyal_high_value",
         "loyal_10_orders and high_value_365d and high_aov and not has_refund and top_city"),
        ("s8_new_people", "signed_up_30d or new_buyer_90d or (spend_30d_300 and male_repeat_365d)"),
        ("s9_active_second_tier", "not never_bought and not dormant_180d and second_tier_city"),
        ("s10_best_recent", "rfm_r = 5 and rfm_f = 5 and (top_city or second_tier_city) and not has_refund"),
    ]
    preview = f"""select f.customer_id, f.city, f.total_spend, f.days_since_last_order
 from t join f using (customer_id) where {segments[0][1]}
 order by f.customer_id limit 100"""
    return features, tags_sql, segments, preview


def checksums(con):
    """Per trait: non-NULL rows and the sum of the values in the engine's encoding."""
    money = ["total_spend", "spend_30d", "spend_90d", "spend_365d", "max_order_amount"]
    strings = ["last_channel", "first_store"]
    columns = ["order_count", "total_spend", "spend_30d", "spend_90d", "spend_365d", "orders_30d", "orders_90d",
               "orders_365d", "refund_count", "days_since_first_order", "days_since_last_order", "avg_order_value",
               "max_order_amount", "distinct_channels", "last_channel", "items_bought", "first_store",
               "store_orders_365d", "events_7d", "product_views_30d"]
    result = {}
    for name in columns:
        value = f"{name} * 100" if name in money else f"enum_code({name})" if name in strings else name
        present, total = con.execute(f"select count({name}), coalesce(sum({value}), 0) from f").fetchone()
        result[name] = {"present": present, "sum": int(total)}
    segment_codes = "[" + ", ".join(quote(s) for s in SEGMENT_NAMES) + "]"
    for name in ["rfm_r", "rfm_f", "rfm_m"]:
        present, total = con.execute(f"select count({name}), coalesce(sum({name}), 0) from t").fetchone()
        result[name] = {"present": present, "sum": int(total)}
    present, total = con.execute(
        f"select count(rfm_segment), coalesce(sum(list_position({segment_codes}, rfm_segment) - 1), 0) from t"
    ).fetchone()
    result["rfm_segment"] = {"present": present, "sum": int(total)}
    return result


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    directory = sys.argv[1]
    con = duckdb.connect()

    def timed(sql):
        started = time.perf_counter()
        con.execute(sql)
        return (time.perf_counter() - started) * 1000

    say("load …")
    started = time.perf_counter()
    manifest, cities = load(con, directory)
    load_ms = (time.perf_counter() - started) * 1000
    features, tags_sql, segments, preview = workload(manifest, cities)

    say("W1 features …")
    features_ms = timed(features)
    say("W2 tags + RFM …")
    tags_ms = timed(tags_sql)
    say("W3 segments …")
    medians = []
    counts = {}
    for name, rule in segments:
        counts[name] = con.execute(f"select count(*) from t where {rule}").fetchone()[0]
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            con.execute(f"select count(*) from t where {rule}").fetchall()
            runs.append((time.perf_counter() - started) * 1000)
        medians.append(statistics.median(runs))
    started = time.perf_counter()
    members = con.execute(preview).fetchall()
    preview_ms = (time.perf_counter() - started) * 1000

    report = {
        "customers": manifest["customers"]["rows"], "orders": manifest["orders"]["records"],
        "events": manifest["events"]["records"], "duckdb": duckdb.__version__, "threads":
            int(con.execute("select current_setting('threads')").fetchone()[0]),
        "load_ms": round(load_ms, 1), "features_ms": round(features_ms, 1), "tags_ms": round(tags_ms, 1),
        "segment_median_ms": round(statistics.median(medians), 2), "segment_max_ms": round(max(medians), 2),
        "segment_min_ms": round(min(medians), 2), "preview_ms": round(preview_ms, 2),
        "preview_rows": len(members), "segment_counts": counts,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    if "--checksums" in sys.argv[2:]:
        report["checksums"] = checksums(con)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
