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
  no BG/NBD fit, so only this part is compared.

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
    clv_ms, clv = timed("CLV summaries", lambda: con.execute(clv_sql(today)).fetchone())

    report = {
        "duckdb": duckdb.__version__,
        "threads": int(con.execute("select current_setting('threads')").fetchone()[0]),
        "load_ms": round(load_ms, 1), "kpi_ms": round(kpi_ms, 2), "rfm_ms": round(rfm_ms, 2),
        "cohort_ms": round(cohort_ms, 2), "clv_summary_ms": round(clv_ms, 2),
        "kpi": as_check(total[0]), "kpi_previous": as_check(previous[0]),
        "kpi_channels": {row[0]: as_check(row) for row in channels if row[0] is not None},
        "rfm_cells": cells, "cohort_sizes": sizes, "cohort_active": triangle, "cohort_revenue": revenue,
        "clv_buyers": int(clv[0]), "clv_repeat_purchases": int(clv[1] or 0),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
