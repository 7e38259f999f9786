# Signs in to the console as demo/panorama-demo and prints the sign-in+dashboard time, then the time of each path given.
# Usage: python3 bench/console_signin.py http://127.0.0.1:8080 [/app/customers ...]
import http.cookiejar, urllib.request, time, sys, re
base = sys.argv[1]
jar = http.cookiejar.CookieJar()
o = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
t=time.perf_counter()
o.open(base + "/app/sign-in", data=b"username=demo&password=panorama-demo&next=").read()
print(f"sign-in+dashboard {time.perf_counter()-t:.2f}s", flush=True)
for path in sys.argv[2:]:
    t=time.perf_counter()
    r=o.open(base+path); r.read()
    print(f"{path} {(time.perf_counter()-t)*1000:.0f} ms", flush=True)
