#!/usr/bin/env python3
"""The customer-insight queries of `panorama bench insights` in DuckDB, on the same files.

    swift build -c release --product panorama
    .build/release/panorama bench insights --customers 1000000 --data /tmp/insights-1m
    python3 bench/duckdb_insights.py /tmp/insights-1m        # prints JSON timings and results

It reads the raw column files of `SyntheticData` with the loader of `duckdb_tags.py`, then runs,
each a few times (median reported):

- KPIs of June 2026 with the previous period (May 2 – May 31, same length) and a breakdown by
  channel, exactly as `KPIs` (Swift) defines them: paid orders (status 0) and their net amount;
  GMV adds pending orders (status 3); active = any order or event in the period (for a channel:
  any order of that channel); new = a buyer whose first paid order ever is in the period;
  lifetime = a buyer's paid amount before the period's end;
- the RFM matrix (customers per R × F cell) with scores as `RFM` defines them;
- the 12-month cohort triangle by first-purchase month (July 2025 – June 2026): customers per
  cohort, customers with a paid order and revenue per month since;
- the per-customer inputs of the CLV models (purchase days, first, last, repeat spend). DuckDB has
  no BG/NBD fit, so only this part is compared;
- a funnel of June 2026, Product Viewed → Product Added [category = 书籍] → Order Completed within 7
  days, as `Funnel` (Swift) defines it: an entry is a first-step event in the period; steps follow in
  record order (each after the previous one) up to entry time + window; the deepest entry counts;
- the campaign ROI of June 2026, last touch within 30 days, as `Attribution` defines it: each paid
  order credited to its customer's latest campaign touch at or before it (ties: the greatest
  campaign name), else to the direct row of its channel; touches counted in the month.

The event properties and campaigns are those of `SyntheticEventProperties.swift`: functions of the
event's record id and the seed (SplitMix64's finalizer), computed here with NumPy.

Keep the SQL here in step with Sources/PanoramaEngine/Insights/*.swift.
Needs: pip install duckdb numpy."""
import datetime
import json
import os
import resource
import statistics
import sys
import time

import duckdb
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from duckdb_tags import load, say  # noqa: E402

PAID, PENDING = 0, 3  # OrderColumns.Status raw values
RUNS = 5


def day(y, m, d):
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days


MONTH_START, MONTH_END = day(2026, 6, 1), day(2026, 7, 1)
FIRST_COHORT = 2025 * 12 + 6  # July 2025 as year × 12 + month − 1
COHORT_MONTHS = 12


def kpi_sql(start, end, by_channel):
    """The KPI values of [start, end): one row in total, or one per channel."""
    channel = ", channel" if by_channel else ""
    cells = f"""
      with fp as (select customer_id, min(day) filter (where status = {PAID}) first_paid,
                    coalesce(sum(amount) filter (where status = {PAID} and day < {end}), 0) lifetime
                  from o group by customer_id),
      r as (select customer_id{channel},
              count(*) filter (where status = {PAID}) paid,
              coalesce(sum(amount) filter (where status = {PAID}), 0) rev,
              coalesce(sum(amount) filter (where status in ({PAID}, {PENDING})), 0) gmv
            from o where day >= {start} and day < {end}
            group by customer_id{channel})
    """
    if by_channel:
        body = "select r.channel::varchar k, r.paid, r.rev, r.gmv, fp.first_paid, fp.lifetime from r join fp using (customer_id)"
    else:
        body = f"""
          select 'total' k, coalesce(x.paid, 0) paid, coalesce(x.rev, 0) rev, coalesce(x.gmv, 0) gmv,
                 fp.first_paid, fp.lifetime
          from r x
          full join (select distinct customer_id from e where day >= {start} and day < {end}) ev using (customer_id)
          left join fp using (customer_id)"""
    return f"""{cells}
      select k,
        count(*) filter (where paid > 0 and first_paid >= {start} and first_paid < {end}) new_customers,
        count(*) active_customers,
        count(*) filter (where paid > 0) buyers,
        count(*) filter (where paid > 1) repeat_buyers,
        coalesce(sum(paid), 0) orders, coalesce(sum(gmv), 0) gmv, coalesce(sum(rev), 0) net_revenue,
        coalesce(sum(lifetime) filter (where paid > 0), 0) lifetime_revenue
      from ({body}) group by k order by k"""


KEYS = ["new_customers", "active_customers", "buyers", "repeat_buyers", "orders", "gmv", "net_revenue",
        "lifetime_revenue"]


def rfm_sql(today):
    return f"""
      with b as (select customer_id, {today} - max(day) recency, count(*) frequency, sum(amount) monetary
                 from o where status = {PAID} and day <= {today} group by customer_id),
      s as (select monetary,
              1 + (5 * (rank() over (order by recency desc) - 1)) // count(*) over () r,
              1 + (5 * (rank() over (order by frequency) - 1)) // count(*) over () f
            from b)
      select r, f, count(*), avg(monetary) from s group by r, f order by r, f"""


def cohort_sql():
    end = MONTH_END
    month = "(year(date '1970-01-01' + day::integer) * 12 + month(date '1970-01-01' + day::integer) - 1)"
    return f"""
      with first as (select customer_id, min(day) first_day from o where status = {PAID} group by customer_id),
      c as (select customer_id, {month.replace('day::', 'first_day::')} cohort from first),
      p as (select o.customer_id, c.cohort, {month.replace('day::', 'o.day::')} - c.cohort k, o.amount
            from o join c using (customer_id)
            where o.status = {PAID} and o.day < {end} and c.cohort >= {FIRST_COHORT}
              and c.cohort < {FIRST_COHORT + COHORT_MONTHS})
      select 'size' kind, cohort, 0 k, count(*) n, 0 revenue from c
        where cohort >= {FIRST_COHORT} and cohort < {FIRST_COHORT + COHORT_MONTHS} group by cohort
      union all
      select 'cell', cohort, k, count(distinct customer_id), sum(amount) from p group by cohort, k"""


def clv_sql(today):
    return f"""
      with f as (select customer_id, min(day) first_day from o where status = {PAID} and day <= {today}
                 group by customer_id)
      select count(*), sum(x) from (
        select o.customer_id, count(distinct o.day) - 1 x, max(o.day) last_day,
               coalesce(sum(o.amount) filter (where o.day <> f.first_day), 0) repeat_spend
        from o join f using (customer_id) where o.status = {PAID} and o.day <= {today}
        group by o.customer_id)"""


FUNNEL_WINDOW = 7 * 86_400  # seconds
ROI_WINDOW_MS = 30 * 86_400_000
CATEGORIES = ["书籍", "电子", "服饰", "食品", "美妆", "家居", "母婴", "运动"]
CAMPAIGNS = [f"campaign_{i:02d}" for i in range(12)]


def event_hash(n, seed):
    """SyntheticData.eventHash of record ids 0 ..< n (wrapping uint64 arithmetic)."""
    u = np.uint64
    with np.errstate(over="ignore"):
        z = np.arange(n, dtype=np.uint64) + u(seed) * u(0x9E3779B97F4A7C15)
        z = (z ^ (z >> u(30))) * u(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> u(27))) * u(0x94D049BB133111EB)
        return z ^ (z >> u(31))


def add_event_properties(con, n, seed):
    """Table ep(rid, category, campaign): each event's generated category, and its campaign index
    when it is a view carrying one (-1 otherwise; the name is checked in the queries)."""
    h = event_hash(n, seed)
    u = np.uint64
    category = (h & u(7)).astype(np.int8)
    carries = ((h >> u(8)) % u(10)) == u(0)
    campaign = np.where(carries, ((h >> u(16)) % u(len(CAMPAIGNS))).astype(np.int16), np.int16(-1))
    con.register("raw_ep", {"rid": np.arange(n, dtype=np.int64), "category": category, "campaign": campaign})
    con.execute("create table ep as select * from raw_ep")
    con.unregister("raw_ep")


def funnel_sql(start, end):
    """Customers reaching each step: per entry the first step-2 event after it within the window,
    then a step-3 event after that one within the window; per customer the deepest entry."""
    return f"""
      with s1 as (select customer_id, rid, timestamp ts from e
                  where name = 'Product Viewed' and day >= {start} and day < {end}),
      s2 as (select e.customer_id, e.rid, e.timestamp ts from e join ep using (rid)
             where e.name = 'Product Added' and ep.category = {CATEGORIES.index("书籍")}),
      s3 as (select customer_id, rid, timestamp ts from e where name = 'Order Completed'),
      f1 as (select s1.customer_id, s1.rid r0, s1.ts + {FUNNEL_WINDOW} deadline, min(s2.rid) r1
             from s1 left join s2 on s2.customer_id = s1.customer_id and s2.rid > s1.rid
               and s2.ts <= s1.ts + {FUNNEL_WINDOW}
             group by all),
      f2 as (select f1.customer_id, f1.r0, f1.r1, min(s3.rid) r2
             from f1 left join s3 on s3.customer_id = f1.customer_id and f1.r1 is not null and s3.rid > f1.r1
               and s3.ts <= f1.deadline
             group by all),
      d as (select customer_id, max(1 + (r1 is not null)::int + (r2 is not null)::int) depth
            from f2 group by customer_id)
      select count(*), count(*) filter (where depth >= 2), count(*) filter (where depth >= 3) from d"""


def roi_sql(start_ms, end_ms):
    """Per campaign touches, buyers, orders, revenue; per channel the direct orders."""
    return f"""
      with t as (select e.customer_id, e.timestamp * 1000 ms, ep.campaign from e join ep using (rid)
                 where e.name in ('Product Viewed', 'Page Viewed') and ep.campaign >= 0
                   and e.timestamp * 1000 >= {start_ms - ROI_WINDOW_MS} and e.timestamp * 1000 < {end_ms}),
      ord as (select rid oid, customer_id, timestamp * 1000 ms, amount, channel::varchar channel from o
              where status = {PAID} and timestamp * 1000 >= {start_ms} and timestamp * 1000 < {end_ms}),
      credited as (select ord.oid, arg_max(t.campaign, t.ms * 16 + t.campaign) campaign
                   from ord join t on t.customer_id = ord.customer_id and t.ms <= ord.ms
                     and t.ms >= ord.ms - {ROI_WINDOW_MS}
                   group by ord.oid),
      orders as (select ord.*, credited.campaign from ord left join credited using (oid))
      select 'c' kind, campaign::bigint k, null::varchar channel, 0 touches, count(distinct customer_id) buyers,
             count(*) orders, sum(amount) revenue
        from orders where campaign is not null group by campaign
      union all
      select 'd', null, channel, 0, count(distinct customer_id), count(*), sum(amount)
        from orders where campaign is null group by channel
      union all
      select 't', campaign, null, count(*), 0, 0, 0 from t where ms >= {start_ms} group by campaign"""


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    directory = sys.argv[1]
    con = duckdb.connect()
    say("load …")
    started = time.perf_counter()
    manifest, _ = load(con, directory)
    load_ms = (time.perf_counter() - started) * 1000
    today = manifest["today"]

    def timed(label, run):
        say(label + " …")
        times, result = [], None
        for _ in range(RUNS):
            begin = time.perf_counter()
            result = run()
            times.append((time.perf_counter() - begin) * 1000)
        return statistics.median(times), result

    length = MONTH_END - MONTH_START

    def kpis():
        total = con.execute(kpi_sql(MONTH_START, MONTH_END, False)).fetchall()
        channels = con.execute(kpi_sql(MONTH_START, MONTH_END, True)).fetchall()
        previous = con.execute(kpi_sql(MONTH_START - length, MONTH_START, False)).fetchall()
        return total, channels, previous

    kpi_ms, (total, channels, previous) = timed("KPIs of a month by channel", kpis)
    as_check = lambda row: {k: int(v) for k, v in zip(KEYS, row[1:])}
    rfm_ms, rfm_rows = timed("RFM matrix", lambda: con.execute(rfm_sql(today)).fetchall())
    cells = [0] * 25
    for r, f, n, _ in rfm_rows:
        cells[(r - 1) * 5 + f - 1] = n
    cohort_ms, cohort_rows = timed("cohort triangle", lambda: con.execute(cohort_sql()).fetchall())
    sizes = [0] * COHORT_MONTHS
    active = {}
    revenue = 0
    for kind, cohort, k, n, amount in cohort_rows:
        m = cohort - FIRST_COHORT
        if kind == "size":
            sizes[m] = n
        else:
            active[(m, k)] = n
            revenue += int(amount)
    triangle = [active.get((m, k), 0) for m in range(COHORT_MONTHS) for k in range(COHORT_MONTHS - m)]
    clv_ms, clv = timed("CLV summaries", lambda: con.execute(clv_sql(today)).fetchall()[0])

    started = time.perf_counter()
    add_event_properties(con, manifest["events"]["records"], manifest["seed"])
    load_ms += (time.perf_counter() - started) * 1000
    funnel_ms, funnel = timed("funnel", lambda: con.execute(funnel_sql(MONTH_START, MONTH_END)).fetchall()[0])
    offset = manifest["utc_offset_seconds"]
    start_ms, end_ms = (MONTH_START * 86_400 - offset) * 1000, (MONTH_END * 86_400 - offset) * 1000
    roi_ms, roi_rows = timed("ROI", lambda: con.execute(roi_sql(start_ms, end_ms)).fetchall())
    roi = {}
    for kind, k, channel, touches, buyers, orders, credited in roi_rows:
        if kind == "d":
            roi[f"(direct)/{channel or ''}"] = [0, int(buyers), int(orders), int(credited)]
            continue
        row = roi.setdefault(CAMPAIGNS[k], [0, 0, 0, 0])
        if kind == "t":
            row[0] = int(touches)
        else:
            row[1:] = [int(buyers), int(orders), int(credited)]

    report = {
        "duckdb": duckdb.__version__,
        "threads": int(con.execute("select current_setting('threads')").fetchone()[0]),
        "load_ms": round(load_ms, 1), "kpi_ms": round(kpi_ms, 2), "rfm_ms": round(rfm_ms, 2),
        "cohort_ms": round(cohort_ms, 2), "clv_summary_ms": round(clv_ms, 2),
        "funnel_ms": round(funnel_ms, 2), "roi_ms": round(roi_ms, 2),
        "funnel_counts": [int(x) for x in funnel], "roi": roi,
        "kpi": as_check(total[0]), "kpi_previous": as_check(previous[0]),
        "kpi_channels": {row[0]: as_check(row) for row in channels if row[0] is not None},
        "rfm_cells": cells, "cohort_sizes": sizes, "cohort_active": triangle, "cohort_revenue": revenue,
        "clv_buyers": int(clv[0]), "clv_repeat_purchases": int(clv[1] or 0),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
