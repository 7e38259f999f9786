#!/usr/bin/env python3
"""Kill -9 durability check: every message the server acknowledged survives a hard kill.

    python3 ci/crash_check.py --binary .build/debug/panorama

Starts a server on a fresh data directory, loads it from several threads with Segment batches
(each message has a unique anonymousId), kills it with SIGKILL mid-load, starts it again on the
same directory and checks through the REST API that every acknowledged message is stored.
The last line is 'crash_check: N passed, N failed'.
"""
import argparse
import base64
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

WRITE_KEY = "wk_crash_check_key"
ADMIN_KEY = "ak_crash_check_key"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, data_dir, port):
    env = dict(os.environ, PANORAMA_BOOTSTRAP_WRITE_KEY=WRITE_KEY, PANORAMA_BOOTSTRAP_ADMIN_KEY=ADMIN_KEY,
               PANORAMA_LOG_LEVEL="warning")
    proc = subprocess.Popen([binary, "serve", "--data-dir", data_dir, "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/ready")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("crash_check: server did not become ready")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/debug/panorama")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--sample", type=int, default=1000, help="acknowledged messages looked up over REST")
    args = ap.parse_args()

    data_dir = tempfile.mkdtemp(prefix="panorama-crash-")
    port = free_port()
    proc = start(args.binary, data_dir, port)
    auth = "Basic " + base64.b64encode((WRITE_KEY + ":").encode()).decode()
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()

    def sender(worker):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = 0
        while not stop.is_set():
            ids = ["crash-%d-%d" % (worker, n + i) for i in range(50)]
            n += 50
            body = json.dumps({"batch": [
                {"type": "track", "messageId": m, "anonymousId": m, "event": "Crash Test", "properties": {"n": i}}
                for i, m in enumerate(ids)]})
            try:
                conn.request("POST", "/v1/batch", body, {"Authorization": auth, "Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    with lock:
                        acknowledged.extend(ids)
            except (OSError, http.client.HTTPException):
                return  # the server is gone

    threads = [threading.Thread(target=sender, args=(w,)) for w in range(args.threads)]
    for t in threads:
        t.start()
    time.sleep(args.seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    print("crash_check: killed the server with SIGKILL after %d acknowledged messages" % len(acknowledged))

    proc = start(args.binary, data_dir, port)
    missing_rest = []
    # Over the REST API after the restart: a random sample (the debug build answers ~100 look-ups/s).
    sample = random.Random(7).sample(acknowledged, min(len(acknowledged), args.sample))
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for m in sample:
            conn.request("GET", "/api/v1/customers/by-identifier/anonymous_id/" + m,
                         headers={"Authorization": "Bearer " + ADMIN_KEY})
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200 or json.loads(body)["counts"]["events"] < 1:
                missing_rest.append(m)
    finally:
        proc.terminate()
        proc.wait()
    # Every acknowledged message, straight from the store file once the server has stopped.
    db = sqlite3.connect(os.path.join(data_dir, "panorama.sqlite"))
    stored = {row[0] for row in db.execute("SELECT message_id FROM events")}
    db.close()
    shutil.rmtree(data_dir, ignore_errors=True)
    missing = [m for m in acknowledged if m not in stored]
    checks = [("some messages were acknowledged before the kill", len(acknowledged) > 0),
              ("every acknowledged message is in the store (%d missing)" % len(missing), not missing),
              ("a sample of %d is found over REST after restart (%d missing)" % (len(sample), len(missing_rest)),
               not missing_rest)]
    failed = [c for c, ok in checks if not ok]
    for c in failed:
        print("FAIL:", c)
    print("crash_check: %d passed, %d failed" % (len(checks) - len(failed), len(failed)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
