"""HTTP over the daemon's unix socket for the daemon benchmarks: requests, and their latencies.

  daemon_http.py SOCKET get PATH                      print the body
  daemon_http.py SOCKET post-vms FILE                 POST /v1/vms for each VM of an import file (one connection)
  daemon_http.py SOCKET post PATH                     POST with an empty body, print the body
  daemon_http.py SOCKET adapters VM COUNT FIRST_IP    COUNT x (POST an adapter, DELETE it): p50/p99 of each, in ms
  daemon_http.py SOCKET applies|repairs               the sum of hostnet_applies_total (hostnet_repairs_total) over its causes
"""
import http.client, json, socket, sys, time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("hostnet", timeout=600)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def call(conn, method, path, body=None):
    conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body is not None else {})
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        sys.exit(f"{method} {path}: {r.status} {data.decode()[:300]}")
    return data.decode()


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    sock, what = sys.argv[1], sys.argv[2]
    conn = UnixConnection(sock)
    if what == "get":
        print(call(conn, "GET", sys.argv[3]), end="")
    elif what == "post":
        print(call(conn, "POST", sys.argv[3], ""), end="")
    elif what == "post-vms":
        state = json.load(open(sys.argv[3]))
        for net in state.get("networks", []):
            call(conn, "POST", "/v1/networks", json.dumps(net))
        for vm in state["vms"]:
            call(conn, "POST", "/v1/vms", json.dumps(vm))
    elif what == "adapters":
        vm, count, first = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        adds, rms = [], []
        for i in range(count):
            n = first + i
            body = json.dumps({"network": "Net", "ips": ["10.%d.%d.%d" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)]})
            t = time.perf_counter(); added = json.loads(call(conn, "POST", f"/v1/vms/{vm}/adapters", body)); adds.append(time.perf_counter() - t)
            t = time.perf_counter(); call(conn, "DELETE", f"/v1/vms/{vm}/adapters/{added['name']}"); rms.append(time.perf_counter() - t)
        print("%.1f %.1f %.1f %.1f" % (pct(adds, 50) * 1000, pct(adds, 99) * 1000, pct(rms, 50) * 1000, pct(rms, 99) * 1000))
    elif what in ("applies", "repairs"):
        text = call(conn, "GET", "/metrics")
        prefix = "hostnet_applies_total{" if what == "applies" else "hostnet_repairs_total{"
        print(int(sum(float(l.split()[-1]) for l in text.splitlines() if l.startswith(prefix))))
    else:
        sys.exit(__doc__)


main()
