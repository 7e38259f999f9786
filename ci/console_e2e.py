#!/usr/bin/env python3
"""End-to-end test of the web console in a real headless Chromium, as a person would use it.

Starts a fresh server filled by `panorama demo`, then: signs in, opens a bar of the dashboard,
finds a customer by phone, opens the 360° page, builds a segment with two groups and watches the
live count change, sees a bad rule's error in place, saves and exports the segment, switches the
language, and checks the phone-width layout and the skip link; edits settings (time zone, a key created
and revoked, a tier) and enters a campaign cost on the ROI page. Screenshots of the main pages go to
--out. Prints `console_e2e: N passed, M failed` and exits non-zero on any failure.

Needs Debian's chromium and chromium-driver and `pip install selenium`.
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import Select, WebDriverWait

passed = 0
failed = 0


def waiting(driver, seconds):
    """A wait that looks again when a page reloads under it (an element found on the old page goes stale)."""
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,))


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"  ok   {name}")
    else:
        failed += 1
        print(f"  FAIL {name} {detail}")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--out", default="ci-artifacts/screenshots")
    parser.add_argument("--customers", type=int, default=800)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    data = tempfile.mkdtemp(prefix="panorama-e2e-")
    env = dict(os.environ, PANORAMA_BCRYPT_COST="4", PANORAMA_LOG_LEVEL="warning")
    started = time.time()
    demo = subprocess.run(
        [args.binary, "demo", "--data-dir", data, "--sync", "normal", "--customers", str(args.customers)],
        env=env, capture_output=True, text=True, timeout=300)
    print(demo.stdout.strip())
    check("panorama demo fills a workspace", demo.returncode == 0, demo.stderr[-2000:])
    if demo.returncode != 0:
        return finish(None, None, data, args)
    print(f"  (demo took {time.time() - started:.1f} s)")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(data, "server.log"), "w")
    # Pages wait for their figures here (a loaded CI machine may take seconds for one); the
    # "still computing" answers are checked apart, on a second server (`reloads_itself`).
    server = start_server(args.binary, data, port, dict(env, PANORAMA_CONSOLE_PATIENCE_MS="60000"), log)

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN",
                 "--window-size=1280,800", "--disable-gpu", "--force-device-scale-factor=1"]:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_window_size(1280, 800)
    wait = waiting(driver, 10)
    try:
        run(driver, wait, base, args.out)
        # A server that does not wait for figures at all: a page answers at once that they are
        # being computed, and reloads itself until they are there.
        server.terminate()
        server.wait()
        server = start_server(args.binary, data, port, dict(env, PANORAMA_CONSOLE_PATIENCE_MS="0"), log)
        reloads_itself(driver, base, args.out)
    except Exception as error:  # a step that throws fails the run, with a screenshot of where
        check("no step throws", False, repr(error))
        driver.save_screenshot(os.path.join(args.out, "failure.png"))
    return finish(driver, server, data, args)


def start_server(binary, data, port, env, log):
    server = subprocess.Popen(
        [binary, "serve", "--data-dir", data, "--port", str(port), "--sync", "normal"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    return server


def reloads_itself(driver, base, out):
    driver.set_window_size(1280, 800)
    driver.get(base + "/app/insights/repurchase?days=365")
    if "/app/sign-in" in driver.current_url:  # the session is the first server's
        driver.find_element(By.ID, "username").send_keys("demo")
        driver.find_element(By.ID, "password").send_keys("panorama-demo")
        driver.find_element(By.ID, "password").submit()
        waiting(driver, 10).until(lambda d: "/app/sign-in" not in d.current_url)
    pending = driver.find_elements(By.CSS_SELECTOR, "[data-pending]")
    if pending:
        shot(driver, out, "33-computing")
        print(f"  (first answer: {pending[0].text})")
    # No action from here: the page reloads itself into the figures.
    waiting(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "ul.kpis .kpi-value")
                              and not d.find_elements(By.CSS_SELECTOR, "[data-pending]"))
    check("a page still computing reloads itself into its figures",
          len(driver.find_elements(By.CSS_SELECTOR, "ul.kpis .kpi-value")) >= 4)


def shot(driver, out, name):
    # The whole page: grow the window to the document's height, then back.
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 800), 4000))
    driver.save_screenshot(os.path.join(out, name + ".png"))
    driver.set_window_size(width, 800 if width > 600 else 844)


def click_svg_link(driver, wait, link):
    """Clicks a chart's link (an SVG <a>) and returns its label and the customer rows it opens."""
    label = link.get_attribute("aria-label")
    driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", link)
    wait.until(lambda d: "/app/customers" in d.current_url)
    return label, driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr td a")


def wait_count_change(driver, before, timeout=5):
    end = time.time() + timeout
    while time.time() < end:
        text = driver.find_element(By.ID, "live-count").text
        if text not in ("", "–", before):
            return text
        time.sleep(0.1)
    return driver.find_element(By.ID, "live-count").text


def run(driver, wait, base, out):
    # Sign in (the browser asks for Chinese).
    driver.get(base + "/app")
    wait.until(lambda d: "/app/sign-in" in d.current_url)
    check("a visitor is sent to the sign-in page", "/app/sign-in" in driver.current_url)
    check("the page is in Chinese for a Chinese browser", driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN")
    shot(driver, out, "01-sign-in")
    driver.find_element(By.ID, "username").send_keys("demo")
    driver.find_element(By.ID, "password").send_keys("wrong password")
    driver.find_element(By.ID, "password").submit()
    wait.until(lambda d: d.find_elements(By.ID, "sign-in-error"))
    check("a wrong password is refused in place", "错误" in driver.find_element(By.ID, "sign-in-error").text)
    driver.find_element(By.ID, "password").send_keys("panorama-demo")
    driver.find_element(By.ID, "password").submit()
    wait.until(lambda d: "/app/dashboard" in d.current_url)
    check("signing in opens the dashboard", driver.find_element(By.TAG_NAME, "h1").text == "仪表盘")
    kpis = driver.find_elements(By.CSS_SELECTOR, ".kpi-value")
    check("the dashboard shows KPI cards", len(kpis) >= 5 and kpis[0].text not in ("", "0"), [k.text for k in kpis])
    check("the dashboard draws SVG charts", len(driver.find_elements(By.CSS_SELECTOR, "svg.chart")) >= 3)
    shot(driver, out, "02-dashboard-zh")

    # Drill down: a bar of the RFM chart opens the customers behind it.
    bars = driver.find_elements(By.CSS_SELECTOR, "#main svg[aria-labelledby^='rfm'] a")
    check("the RFM chart has clickable bars", len(bars) > 0)
    if bars:
        label, rows = click_svg_link(driver, wait, bars[0])
        check("a bar opens the customers behind it", "rule=" in driver.current_url and len(rows) > 0, label)
        shot(driver, out, "03-drill-down")

    # Find a customer by phone, typed the way people type it.
    driver.get(base + "/app/customers")
    phone = driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr td:nth-child(3)")[0].text  # +86138…
    digits = phone.replace("+86", "")
    typed = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(typed + Keys.ENTER)
    wait.until(lambda d: "q=" in d.current_url)
    rows = driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
    check("searching by phone finds exactly that customer", len(rows) == 1 and phone in rows[0].text, f"{typed}: {len(rows)} rows")
    shot(driver, out, "04-customers-search")
    rows[0].find_element(By.CSS_SELECTOR, "td a").click()
    wait.until(lambda d: re.search(r"/app/customers/\d+$", d.current_url))
    headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
    for section in ["资料与属性", "身份标识", "标签与人群", "授权同意", "订单与退款", "会员忠诚度", "合并记录", "行为时间线"]:
        check(f"the 360° page shows {section}", section in headings, headings)
    check("the 360° page shows the phone in clear to the owner", phone in driver.page_source)
    shot(driver, out, "05-customer-360")

    # Build a segment with two groups and watch the count change.
    driver.get(base + "/app/segments/new")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".group .c-field"))
    group1 = driver.find_elements(By.CSS_SELECTOR, ".group")[0]
    Select(group1.find_element(By.CSS_SELECTOR, ".c-field")).select_by_value("city")
    Select(group1.find_element(By.CSS_SELECTOR, ".c-op")).select_by_value("=")
    group1.find_element(By.CSS_SELECTOR, ".c-value").send_keys("上海市")
    first = wait_count_change(driver, "–")
    check("the first group gives a live count", first.replace(",", "").isdigit() and int(first.replace(",", "")) > 0, first)
    rule_box = driver.find_element(By.ID, "rule")
    check("the rule text follows the conditions", "city = '上海市'" in rule_box.get_attribute("value"), rule_box.get_attribute("value"))
    driver.find_element(By.ID, "add-group").click()
    group2 = driver.find_elements(By.CSS_SELECTOR, ".group")[1]
    Select(group2.find_element(By.CSS_SELECTOR, ".c-field")).select_by_value("tag:高价值")
    second = wait_count_change(driver, first)
    check("adding a second group (AND tag 高价值) changes the count", second != first and second.replace(",", "").isdigit(), f"{first} → {second}")
    Select(driver.find_element(By.ID, "groups-join")).select_by_value("OR")
    third = wait_count_change(driver, second)
    check("switching the groups to OR changes the count again", third != second, f"{second} → {third}")
    Select(driver.find_element(By.ID, "groups-join")).select_by_value("AND")
    wait_count_change(driver, third)
    rule = rule_box.get_attribute("value")
    check("the rule text joins two groups", "tag('高价值')" in rule and " AND " in rule, rule)
    shot(driver, out, "06-segment-builder")
    # A bad rule shows its error in place, then the good one comes back.
    rule_box.clear()
    rule_box.send_keys("ctiy = '上海市'")
    waiting(driver, 5).until(lambda d: d.find_element(By.ID, "rule-error").text != "")
    error = driver.find_element(By.ID, "rule-error").text
    check("a bad rule's error is shown in place with its position", "第 1 行" in error and "city" in error, error)
    shot(driver, out, "07-builder-error")
    rule_box.clear()
    rule_box.send_keys(rule)
    waiting(driver, 5).until(lambda d: d.find_element(By.ID, "rule-error").text == "")
    driver.find_element(By.ID, "seg-name").send_keys("上海高价值 e2e")
    driver.find_element(By.ID, "segment-form").submit()
    wait.until(lambda d: "/app/audiences/segment/" in d.current_url)
    size = driver.find_element(By.ID, "audience-size").text
    check("the saved segment has the size the builder showed", size == second, f"{size} vs {second}")
    shot(driver, out, "08-segment")

    # Export it (through the browser's session, as the download link does).
    link = driver.find_element(By.CSS_SELECTOR, "a[download][href$='/export']").get_attribute("href")
    csv = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text()).then(done, e => done('ERR ' + e));", link)
    lines = [line for line in csv.splitlines() if line.strip()]
    check("the export has a header and one line per member", len(lines) - 1 == int(size.replace(",", "")), f"{len(lines)} lines for {size}")

    # Tags and segments list.
    driver.get(base + "/app/audiences")
    check("the list shows the new segment", "上海高价值 e2e" in driver.page_source)
    shot(driver, out, "09-audiences")

    # Insights: the RFM heat map, a cell opens its customers; the other analyses draw.
    driver.get(base + "/app/insights")
    cells = driver.find_elements(By.CSS_SELECTOR, "#main svg[aria-labelledby^='rfm-matrix'] a")
    check("the RFM heat map has clickable cells", len(cells) > 0)
    shot(driver, out, "15-insights-rfm")
    if cells:
        label, rows = click_svg_link(driver, wait, cells[0])
        check("an RFM cell opens the customers behind it", "rfm_r" in driver.current_url and len(rows) > 0, label)
        shot(driver, out, "16-rfm-cell-customers")
    funnel = "/app/insights/funnel?step1=Product+Viewed&step2=Product+Added&step3=Checkout+Started&window=7&days=180"
    for path, name, selector in [
        ("/app/insights/cohorts", "17-insights-cohorts", "svg[aria-labelledby^='cohorts']"),
        (funnel, "18-insights-funnel", "svg[aria-labelledby^='funnel']"),
        ("/app/insights/repurchase", "19-insights-repurchase", "svg[aria-labelledby^='repurchase']"),
        ("/app/insights/basket?days=365&min_support=0.005&min_lift=0.5", "20-insights-basket", "table.list tbody td.num"),
        ("/app/insights/predictions", "21-insights-predictions", "svg[aria-labelledby^='churn']"),
    ]:
        driver.get(base + path)
        check(f"{path.split('?')[0]} draws", len(driver.find_elements(By.CSS_SELECTOR, selector)) > 0)
        shot(driver, out, name)
    driver.get(base + funnel)
    drop = driver.find_elements(By.CSS_SELECTOR, "a[href*='funnel/drop-off']")
    check("the funnel links each step's drop-off", len(drop) > 0)
    if drop:
        drop[0].click()
        wait.until(lambda d: "drop-off" in d.current_url)
        check("the drop-off lists customers", len(driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr td a")) > 0)
        shot(driver, out, "22-funnel-drop-off")

    # The audit log, as the owner: entries (the sign-in above among them) and the chain verified.
    driver.get(base + "/app/audit")
    check("the owner opens the audit log", driver.find_element(By.TAG_NAME, "h1").text == "审计日志")
    check("the audit log lists the sign-in", "auth.sign_in" in driver.page_source)
    check("the audit chain is verified", "哈希链完整" in driver.page_source)
    shot(driver, out, "23-audit")
    box = driver.find_element(By.ID, "action")
    box.send_keys("auth" + Keys.ENTER)
    wait.until(lambda d: "action=auth" in d.current_url)
    actions = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "table.audit tbody td code")]
    check("the audit filter keeps only that area", actions and all(a.startswith("auth") for a in actions), actions[:5])

    settings_and_roi(driver, wait, base, out)

    # Switch the language.
    driver.get(base + "/app/dashboard")
    driver.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    check("the language switch turns the console to English", driver.find_element(By.TAG_NAME, "h1").text == "Dashboard")
    driver.get(base + "/app/customers")
    check("the choice is remembered on the next page", driver.find_element(By.TAG_NAME, "h1").text == "Customers")
    shot(driver, out, "10-dashboard-en")
    driver.get(base + "/app/settings")
    shot(driver, out, "11-settings-en")
    driver.get(base + "/app/imports")
    shot(driver, out, "12-imports-en")

    # Keyboard: the first Tab reaches the skip link.
    driver.get(base + "/app/dashboard")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    active = driver.switch_to.active_element
    check("the first Tab reaches the skip link", active.get_attribute("class") == "skip", active.get_attribute("outerHTML")[:80])

    # Phone width: nothing wider than the screen.
    driver.set_window_size(390, 844)
    for path, name in [
        ("/app/dashboard", "13-phone-dashboard"), ("/app/customers", "14-phone-customers"),
        ("/app/insights", "24-phone-insights"), ("/app/insights/cohorts", "25-phone-cohorts"), ("/app/audit", "26-phone-audit"),
        ("/app/settings", "31-phone-settings"), ("/app/insights/roi", "32-phone-roi"),
    ]:
        driver.get(base + path)
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        check(f"{path} fits a phone-width screen", overflow <= 1, f"{overflow}px wider")
        shot(driver, out, name)


def track_with(base, secret):
    """Status of a tracking call made with a write key (HTTP Basic user, as Segment SDKs send it)."""
    import base64
    request = urllib.request.Request(
        base + "/v1/identify", data=b'{"userId":"e2e-key-check"}', method="POST",
        headers={"Content-Type": "application/json",
                 "Authorization": "Basic " + base64.b64encode((secret + ":").encode()).decode()})
    try:
        return urllib.request.urlopen(request, timeout=5).status
    except urllib.error.HTTPError as error:
        return error.code


def settings_and_roi(driver, wait, base, out):
    """Settings edits (time zone, a key created and revoked, a tier) and the campaign ROI page, in Chinese."""
    driver.get(base + "/app/settings")
    check("the settings page offers the edit forms", all(driver.find_elements(By.ID, i) for i in ["time-zone-form", "identifier-type-form", "key-form", "loyalty-form"]))
    shot(driver, out, "27-settings")
    # Time zone: a wrong name is refused in place, a right one is saved (typed, submitted with Enter).
    zone = driver.find_element(By.ID, "time_zone")
    zone.clear()
    zone.send_keys("Mars/Olympus" + Keys.ENTER)
    wait.until(lambda d: d.find_elements(By.ID, "time-zone-error"))
    check("a wrong time zone is refused in place", "不是有效的时区" in driver.find_element(By.ID, "time-zone-error").text)
    zone = driver.find_element(By.ID, "time_zone")
    zone.clear()
    zone.send_keys("Asia/Tokyo" + Keys.ENTER)
    wait.until(lambda d: "saved=time_zone" in d.current_url)
    check("the time zone is saved", driver.find_element(By.ID, "current-time-zone").text == "Asia/Tokyo"
          and "时区已保存" in driver.find_element(By.CSS_SELECTOR, ".flash").text)
    zone = driver.find_element(By.ID, "time_zone")
    zone.clear()
    zone.send_keys("Asia/Shanghai" + Keys.ENTER)
    wait.until(lambda d: d.find_element(By.ID, "current-time-zone").text == "Asia/Shanghai")
    # A write key: its secret is shown once and works; revoked, it stops working.
    driver.find_element(By.ID, "key-name").send_keys("e2e 收银台")
    Select(driver.find_element(By.ID, "key-kind")).select_by_value("write")
    driver.find_element(By.ID, "key-form").submit()
    wait.until(lambda d: d.find_elements(By.ID, "new-key-secret"))
    secret = driver.find_element(By.ID, "new-key-secret").get_attribute("value")
    check("a new key's secret is shown", secret.startswith("wk_") and "只显示这一次" in driver.page_source, secret[:6])
    shot(driver, out, "28-settings-new-key")
    check("the new key works on the tracking API", track_with(base, secret) == 200)
    driver.get(base + "/app/settings")
    check("the secret is not shown again", secret not in driver.page_source and "e2e 收银台" in driver.page_source)
    row = [r for r in driver.find_elements(By.CSS_SELECTOR, "table.keys tbody tr") if "e2e 收银台" in r.text][0]
    row.find_element(By.CSS_SELECTOR, "button.danger").click()
    waiting(driver, 5).until(lambda d: d.switch_to.alert)
    driver.switch_to.alert.accept()
    wait.until(lambda d: "saved=key_revoked" in d.current_url)
    row = [r for r in driver.find_elements(By.CSS_SELECTOR, "table.keys tbody tr") if "e2e 收银台" in r.text][0]
    check("the revoked key is listed as revoked", "已吊销" in row.text, row.text)
    check("the revoked key no longer works", track_with(base, secret) == 401)
    # A tier: a bad multiplier is refused in place naming the row; then the minimum spend is changed.
    tier = 1 if driver.find_element(By.ID, "tier-1-code").get_attribute("value") else 0
    code = driver.find_element(By.ID, f"tier-{tier}-code").get_attribute("value")
    multiplier = driver.find_element(By.ID, f"tier-{tier}-mult")
    old_multiplier = multiplier.get_attribute("value")
    multiplier.clear()
    multiplier.send_keys("很多")
    driver.find_element(By.ID, "loyalty-form").submit()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#loyalty-form p.error"))
    error = driver.find_element(By.CSS_SELECTOR, "#loyalty-form p.error").text
    check("a bad multiplier is refused in place, naming the row", f"第 {tier + 1} 行" in error and "倍数" in error, error)
    multiplier = driver.find_element(By.ID, f"tier-{tier}-mult")
    multiplier.clear()
    multiplier.send_keys(old_multiplier or "1")
    spend = driver.find_element(By.ID, f"tier-{tier}-min")
    spend.clear()
    spend.send_keys("8888")
    driver.find_element(By.ID, "loyalty-form").submit()
    wait.until(lambda d: "saved=loyalty" in d.current_url)
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#loyalty table tbody tr")]
    check("the edited tier shows its new minimum spend", any(code in r and "¥8,888.00" in r for r in rows), rows)
    shot(driver, out, "29-settings-saved")

    # Campaign ROI: the tab, the chart and the table; a cost entered for a campaign.
    driver.get(base + "/app/insights/roi")
    current = driver.find_elements(By.CSS_SELECTOR, ".tabs a[aria-current='page']")
    check("the ROI tab is current", current and current[0].text == "活动 ROI")
    check("the ROI page draws revenue per campaign", len(driver.find_elements(By.CSS_SELECTOR, "svg[aria-labelledby^='roi']")) > 0)
    Select(driver.find_element(By.ID, "model")).select_by_value("first_touch")
    driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
    wait.until(lambda d: "model=first_touch" in d.current_url)
    driver.find_element(By.ID, "campaign").send_keys("双十一 e2e")
    driver.find_element(By.ID, "cost").send_keys("12000" + Keys.ENTER)
    wait.until(lambda d: "saved=" in d.current_url)
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "table.roi tbody tr")]
    check("the entered cost shows in the table", any("双十一 e2e" in r and "¥1.2万" in r for r in rows), rows[-3:])
    check("the ROI page keeps the chosen model", "model=first_touch" in driver.current_url)
    shot(driver, out, "30-insights-roi")


def finish(driver, server, data, args):
    if driver:
        driver.quit()
    if server:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)
    print(f"console_e2e: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
