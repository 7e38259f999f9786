#!/usr/bin/env python3
"""Times every console page against a server filled by `panorama demo`.

  python3 ci/console_bench.py --binary .build/release/panorama --customers 100000 [--data-dir DIR]

Fills a data directory with `panorama demo --customers N` (kept with --data-dir, reused when it
already holds data), starts `panorama serve`, signs in as the demo user and requests each page
--runs times after a first request (reported apart: the dashboard's first request per period
computes, the next ones within 30 s are served from its cache), printing the first request, the
median, p95 and maximum in milliseconds as a Markdown table. Before the table it prints the time of
the sign-in, whose redirect is the first dashboard after start (the audience engine loads from the
store on first use: the cold first request). Requests go to 127.0.0.1 only.
"""
import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request


def max_customer_id(opener, base):
    """The largest customer id: the 360° page of an id past the end answers 404, so bisect."""
    low, high = 1, 1
    while exists(opener, base, high):
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        if exists(opener, base, mid):
            low = mid
        else:
            high = mid
    return low


def exists(opener, base, customer_id):
    try:
        return opener.open(f"{base}/app/customers/{customer_id}").status == 200
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return False
        raise


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--customers", type=int, default=100000)
    p.add_argument("--data-dir")
    p.add_argument("--runs", type=int, default=20)
    args = p.parse_args()
    data = args.data_dir or tempfile.mkdtemp(prefix="panorama-bench-console-")
    env = dict(os.environ, PANORAMA_BCRYPT_COST="4", PANORAMA_LOG_LEVEL="warning")
    if not os.path.exists(os.path.join(data, "panorama.sqlite")):
        started = time.time()
        subprocess.run([args.binary, "demo", "--data-dir", data, "--sync", "normal", "--customers", str(args.customers)],
                       env=env, check=True)
        print(f"demo with {args.customers} customers: {time.time() - started:.1f} s")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([args.binary, "serve", "--data-dir", data, "--port", str(port), "--sync", "normal"],
                              env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(data, "bench-server.log"), "w"))
    try:
        started = time.time()
        while time.time() - started < 1800:  # a million customers load for minutes
            if server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode}")
            try:
                urllib.request.urlopen(base + "/ready", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        print(f"server ready in {time.time() - started:.1f} s")
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        # Signing in lands on the dashboard: the first request after start that needs the
        # audience engine (loaded from the store on first use) and the insights snapshot.
        t = time.perf_counter()
        opener.open(base + "/app/sign-in", data=b"username=demo&password=panorama-demo&next=")
        print(f"sign-in and first dashboard after start (cold): {time.perf_counter() - t:.1f} s")
        body = opener.open(base + "/app/customers").read().decode()
        csrf = re.search(r'data-csrf="([^"]+)"', body).group(1)
        phone = re.findall(r"<td>(\+86\d+)</td>", body)[0]
        ids = re.findall(r'<tr><td><a href="/app/customers/(\d+)">', body)
        rows = re.findall(r'<tr><td><a href="/app/customers/(\d+)">#\d+</a></td><td><a href="[^"]+">([^<]+)</a></td>'
                          r'<td>[^<]*</td><td>([^<]*)</td>', body)
        name = rows[0][1]
        email = next(e for _, _, e in rows if "@" in e)
        q = urllib.parse.quote
        # Deep pages: the customer list pages by id (keyset), the tag list by the last row scanned,
        # the drill-down by position in the engine's order; a cursor near the end of each.
        last_id = max_customer_id(opener, base)
        deep = max(0, last_id - 200)
        pages = [
            ("dashboard, 30 days", "/app/dashboard", None),
            ("dashboard, 90 days", "/app/dashboard?days=90", None),
            ("customers, first page", "/app/customers", None),
            ("customers, deep page (keyset cursor near the last id)", f"/app/customers?cursor={deep}", None),
            ("customers, search by phone", "/app/customers?q=" + q(phone[3:]), None),
            ("customers, search by phone prefix (7 digits)", "/app/customers?q=" + q(phone[3:10]), None),
            ("customers, search by name", "/app/customers?q=" + q(name), None),
            ("customers, search by email", "/app/customers?q=" + q(email), None),
            ("customers, by tag", "/app/customers?tag=" + q("高价值"), None),
            ("customers, by tag, deep page", "/app/customers?tag=" + q("女性") + f"&cursor={deep}", None),
            ("customers, drill-down by rule", "/app/customers?rule=" + q("rfm_segment = 'Champions'"), None),
            ("customers, drill-down, page at 10,000", "/app/customers?rule=" + q("gender = 'female'") + "&cursor=10000", None),
            ("customer 360°", "/app/customers/" + ids[-1], None),
            ("tags and segments", "/app/audiences", None),
            ("one tag", "/app/audiences/tag/" + q("高价值"), None),
            ("one segment", "/app/audiences/segment/" + q("流失预警"), None),
            ("segment builder", "/app/segments/new", None),
            ("live count (two groups)", "/app/rules/count",
             "rule=" + q("(city = '上海市' AND gender = 'female') OR tag('高价值')")),
            ("settings", "/app/settings", None),
            ("imports", "/app/imports", None),
            ("insights: RFM heat map", "/app/insights", None),
            ("insights: cohorts", "/app/insights/cohorts", None),
            ("insights: funnel (3 steps)", "/app/insights/funnel?step1=Product+Viewed&step2=Product+Added"
             "&step3=Checkout+Started&window=7&days=180", None),
            ("insights: repurchase", "/app/insights/repurchase?days=365", None),
            ("insights: basket rules", "/app/insights/basket?days=365&min_support=0.005", None),
            ("insights: predictions", "/app/insights/predictions", None),
            ("audit log", "/app/audit", None),
            ("audit log, filtered (area customer)", "/app/audit?action=customer", None),
        ]
        print(f"| page | first request ms | median ms | p95 ms | max ms |")
        print(f"| --- | ---: | ---: | ---: | ---: |")
        worst = 0.0
        for name, path, form in pages:
            times = []
            for i in range(args.runs + 1):
                request = urllib.request.Request(base + path, data=form.encode() if form else None)
                if form:
                    request.add_header("X-CSRF-Token", csrf)
                    request.add_header("Content-Type", "application/x-www-form-urlencoded")
                t = time.perf_counter()
                response = opener.open(request)
                response.read()
                elapsed = (time.perf_counter() - t) * 1000
                assert response.status == 200, (path, response.status)
                if i > 0:
                    times.append(elapsed)
                else:
                    first = elapsed
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            worst = max(worst, times[-1])
            print(f"| {name} | {first:.1f} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} |")
        print(f"slowest single request: {worst:.1f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
