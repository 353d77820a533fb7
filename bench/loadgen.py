"""A small HTTP load generator for loopback benchmarks (bounded in count and time)."""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode


@dataclass
class Result:
    name: str
    count: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        index = min(len(data) - 1, max(0, round(p / 100 * (len(data) - 1))))
        return data[index]

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "requests": self.count,
            "errors": self.errors,
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else None,
        }


class Client:
    """One keep-alive connection; optional session cookie or bearer token."""

    def __init__(self, host: str, port: int, *, token: str | None = None, cookie: str | None = None) -> None:
        self.host, self.port = host, port
        self.headers: dict[str, str] = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if cookie:
            self.headers["Cookie"] = cookie
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
        all_headers = {**self.headers, **(headers or {})}
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data, response
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def sign_in(host: str, port: int, username: str, password: str = "demo") -> str:
    """Sign in through the real form (CSRF token included) and return the session cookie."""
    client = Client(host, port)
    status, body, response = client.request("GET", "/login")
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    assert match, "no CSRF token on the sign-in page"
    form = urlencode({"csrf_token": match.group(1).decode(), "username": username, "password": password})
    status, _, response = client.request("POST", "/login", form.encode(), {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    assert status == 302, f"sign-in failed: {status}"
    client.close()
    return (response.getheader("Set-Cookie") or "").split(";")[0]


def run_reads(name: str, host: str, port: int, path: str, *, requests: int, concurrency: int,
              token: str | None = None, cookie: str | None = None, warmup: int = 3) -> Result:
    result = Result(name)
    lock = threading.Lock()
    remaining = [requests]

    def worker() -> None:
        client = Client(host, port, token=token, cookie=cookie)
        for _ in range(warmup):
            client.request("GET", path)
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            start = time.perf_counter()
            status, _, _ = client.request("GET", path)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                result.count += 1
                if status != 200:
                    result.errors += 1
                else:
                    result.latencies_ms.append(elapsed)
        client.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def run_writes(host: str, port: int, path: str, make_body: Any, *, clients: int, seconds: float,
               token: str) -> tuple[int, int, float]:
    """``clients`` threads POST for ``seconds``; returns (created, errors, elapsed)."""
    created = [0]
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(index: int) -> None:
        client = Client(host, port, token=token)
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            status, _, _ = client.request("POST", path, make_body(index, n), {"Content-Type": "application/json"})
            with lock:
                if status == 201:
                    created[0] += 1
                else:
                    errors[0] += 1
        client.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return created[0], errors[0], time.perf_counter() - start
