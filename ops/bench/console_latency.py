"""Times console pages one request at a time: signs in with an API key, then GETs each page
`--requests` times on one kept-alive connection after 10 warm-up requests, and prints the
first (cold) request's time and the measured ones' p50/p99/max."""

import argparse
import http.client
import time
import urllib.parse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--page", action="append", required=True)
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    for _ in range(100):
        try:
            connection.request("GET", "/metrics")
            connection.getresponse().read()
            break
        except OSError:
            connection.close()
            time.sleep(0.1)
    body = urllib.parse.urlencode({"key": args.key})
    connection.request("POST", "/console/sign-in", body, {"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    if response.status != 303 or not cookie:
        raise SystemExit(f"sign-in failed: {response.status}")
    print(f"{'page':<48} {'first ms':>9} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'bytes':>8}")
    for page in args.page:
        times = []
        first = 0.0
        size = 0
        for i in range(args.requests + 10):
            start = time.perf_counter()
            connection.request("GET", page, headers={"Cookie": cookie})
            response = connection.getresponse()
            data = response.read()
            elapsed = (time.perf_counter() - start) * 1000
            if response.status != 200:
                raise SystemExit(f"{page}: {response.status}")
            size = len(data)
            if i == 0:
                first = elapsed
            if i >= 10:
                times.append(elapsed)
        times.sort()
        p50 = times[len(times) // 2]
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"{page:<48} {first:>9.1f} {len(times):>5} {p50:>8.1f} {p99:>8.1f} {times[-1]:>8.1f} {size:>8}")


if __name__ == "__main__":
    main()
