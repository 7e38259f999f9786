#!/usr/bin/env python3
"""Times every console page against a server filled by `panorama demo`.

  python3 ci/console_bench.py --binary .build/release/panorama --customers 100000 [--data-dir DIR]

Fills a data directory with `panorama demo --customers N` (kept with --data-dir, reused when it
already holds data), starts `panorama serve`, signs in as the demo user and times each page as a
Markdown table: first its first requests until the page has its figures (a page whose figures take
longer than the console's patience answers 202 "being computed" at once and reloads itself; the
slowest of those answers and the time until the figures are there), then --runs more requests
(median, p95, maximum; these are served from the kept figures). Before the table: the sign-in
answer (the server loads the customers at start; until they are in, pages that need them answer
202 "loading") and the time from the server's start until the dashboard has its figures.
Requests go to 127.0.0.1 only.
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


def until_ready(opener, url, timeout=1800):
    """Requests `url` until it answers 200 (not 202: loading or computing); returns the seconds
    taken, the number of answers and the slowest answer in ms."""
    started = time.time()
    answers = 0
    slowest = 0.0
    while time.time() - started < timeout:
        t = time.perf_counter()
        response = opener.open(url)
        response.read()
        slowest = max(slowest, (time.perf_counter() - t) * 1000)
        answers += 1
        if response.status == 200:
            return time.time() - started, answers, slowest
        assert response.status == 202, (url, response.status)
        time.sleep(0.2)
    raise SystemExit(f"{url} did not get its figures within {timeout} s")


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
        # Signing in lands on the dashboard. The server loads the customers at start; until they
        # are in, pages that need them answer 202 "loading" (and reload themselves), as pages
        # whose figures are still being computed do.
        t = time.perf_counter()
        response = opener.open(base + "/app/sign-in", data=b"username=demo&password=panorama-demo&next=")
        response.read()
        print(f"sign-in and first dashboard answer after start: {(time.perf_counter() - t) * 1000:.0f} ms "
              f"(HTTP {response.status})")
        ready = until_ready(opener, base + "/app/dashboard")
        print(f"dashboard with its figures {time.time() - started:.1f} s after the server started "
              f"(answers meanwhile: {ready[1]}, slowest {ready[2]:.0f} ms)")
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
        print(f"| page | first requests, slowest answer ms | figures after ms | median ms | p95 ms | max ms |")
        print(f"| --- | ---: | ---: | ---: | ---: | ---: |")
        worst = 0.0
        for name, path, form in pages:
            times = []
            ready_after = None
            if not form:
                # The first request: its answer, and when the page has its figures (a 202 page
                # says they are being computed and reloads itself every 2 s; here every 0.2 s).
                t = time.perf_counter()
                ready_after, answers, slowest = until_ready(opener, base + path)
                first = slowest
                worst = max(worst, slowest)
                ready_after = (time.perf_counter() - t) * 1000 if answers > 1 else None
            for i in range(args.runs + (0 if not form else 1)):
                request = urllib.request.Request(base + path, data=form.encode() if form else None)
                if form:
                    request.add_header("X-CSRF-Token", csrf)
                    request.add_header("Content-Type", "application/x-www-form-urlencoded")
                t = time.perf_counter()
                response = opener.open(request)
                response.read()
                elapsed = (time.perf_counter() - t) * 1000
                assert response.status == 200, (path, response.status)
                if form and i == 0:
                    first = elapsed
                else:
                    times.append(elapsed)
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            worst = max(worst, times[-1])
            after = f"{ready_after:.0f}" if ready_after is not None else "–"
            print(f"| {name} | {first:.1f} | {after} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} |")
        print(f"slowest single request: {worst:.1f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
