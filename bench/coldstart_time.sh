#!/bin/bash
# The cold start of a server (BENCHMARKS.md, issue #8): starts `panorama serve` on DATA_DIR, signs in
# (sign-in + dashboard), waits for the log's "audiences rebuilt" line and reads the server's CPU time
# at that moment, requests two pages, then stops it. KEEP=1 leaves it running (pid in
# /tmp/coldstart-serve.pid); PERF=file records `perf record -F 199 -g` of the start.
# SIGNIN names the sign-in script (default: bench/console_signin.py).
# Usage: flock /tmp/panorama-bench.lock bench/coldstart_time.sh BINARY PORT LABEL [DATA_DIR]
BIN=$1; PORT=$2; LABEL=$3; DATA=${4:-/tmp/c1m-coldstart}
SIGNIN=${SIGNIN:-$(dirname "$0")/console_signin.py}
LOG=/tmp/coldstart-serve-$LABEL.log
echo "[$LABEL] $(date -u +%H:%M:%S) load before: $(uptime | sed 's/.*load average: //')"
T0=$(date +%s.%N)
$BIN serve --data-dir $DATA --port $PORT --rate-limits off > $LOG 2>&1 &
PID=$!
echo $PID > /tmp/coldstart-serve.pid
if [ -n "$PERF" ]; then perf record -F 199 -g -p $PID -o $PERF > /tmp/coldstart-perf-rec.log 2>&1 & PERFPID=$!; fi
for i in $(seq 1 600); do
  if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(0 if s.connect_ex(('127.0.0.1',$PORT))==0 else 1)"; then break; fi
  sleep 0.2
done
T1=$(date +%s.%N)
python3 $SIGNIN http://127.0.0.1:$PORT
T2=$(date +%s.%N)
echo "[$LABEL] listening after $(echo "$T1 - $T0" | bc) s; sign-in+dashboard done $(echo "$T2 - $T0" | bc) s after start"
for i in $(seq 1 3000); do grep -q "audiences rebuilt" $LOG && break; sleep 0.1; done
T3=$(date +%s.%N)
CPU=$(awk -v hz=$(getconf CLK_TCK) '{print ($14+$15)/hz}' /proc/$PID/stat)
echo "[$LABEL] engine loaded (audiences rebuilt) $(echo "$T3 - $T0" | bc) s after start; server CPU so far $CPU s"
python3 $SIGNIN http://127.0.0.1:$PORT /app/customers /app/audiences
if [ -n "$PERF" ]; then kill -INT $PERFPID; wait $PERFPID; fi
echo "[$LABEL] load after: $(uptime | sed 's/.*load average: //')"
grep -i "audiences rebuilt\|sweep" $LOG | cut -c1-300
if [ "$KEEP" != "1" ]; then kill $PID; wait $PID 2>/dev/null; fi
