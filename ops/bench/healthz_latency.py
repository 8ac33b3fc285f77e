#!/usr/bin/env python3
"""/healthz latency of a real `streamlora serve` (MiniLM base), idle vs under load.

Issue 8 observed /healthz p99 rising from 185 ms to 717 ms while 8 clients predicted during
swaps (BLAS ran on Swift's cooperative pool under a lock). This measures the same two numbers in
one run, against the same process:

  idle   /healthz, one new connection per probe (as a kubelet or a load balancer probes), nothing
         else running;
  load   the same probes while 8 clients POST /v1/predict back to back and a producer keeps
         feeding labelled records, so the agent trains, snapshots and swaps its live version.

It prints p50/p99 of each phase, their ratio, the swaps (promotions) during the load phase and
the load average, and exits 0: it reports, it does not gate.

  ops/bench/healthz_latency.py [--probes 400] [--binary .build/release/streamlora]
"""
import argparse
import http.client
import json
import os
import random
import subprocess
import tempfile
import threading
import time

from confluent_kafka import Producer

WORDS = {
    "color": ["red", "blue", "green", "yellow"], "farm": ["dog", "cat", "horse", "cow"],
    "fruit": ["apple", "banana", "grape", "lemon"], "water": ["river", "ocean", "lake", "beach"],
}
FILLERS = ["the", "a", "of", "and", "with", "some", "very", "just"]


def example(rng, i):
    label = rng.choice(sorted(WORDS))
    words = [rng.choice(WORDS[label]) for _ in range(3)] + [rng.choice(FILLERS) for _ in range(2)]
    rng.shuffle(words)
    return {"id": f"bench-{i}", "label": label, "text": " ".join(words)}


def pipeline(bootstrap, registry, model):
    return f"""name: healthz-bench
kafka: {{brokers: ["{bootstrap}"], topic: examples, group: healthz-bench}}
model: {{path: {model}, max_length: 32}}
training: {{batch_size: 16, max_wait_ms: 50}}
snapshot: {{every_examples: 200, every_seconds: 2}}
gate: {{tolerance: 1.0, min_holdout: 1}}
registry: {{path: {registry}}}
server: {{port: 0}}
"""


def request(port, method="GET", path="/healthz", body=None):
    """One request on a new connection; its latency in seconds and the status."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json", "Connection": "close"} if body else {"Connection": "close"}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return time.perf_counter() - start, response.status


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def probe(port, count):
    latencies = []
    for _ in range(count):
        seconds, status = request(port)
        assert status == 200, status
        latencies.append(seconds)
        time.sleep(0.01)
    return latencies


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path)
    body = conn.getresponse().read().decode()
    conn.close()
    return body


def promotions(port):
    """Versions made live so far (streamlora_promotions_total over its label sets)."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in get(port, "/metrics").splitlines()
               if line.startswith("streamlora_promotions_total"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--probes", type=int, default=400)
    parser.add_argument("--binary", default=os.environ.get("STREAMLORA_BIN", ".build/release/streamlora"))
    parser.add_argument("--model", default="models/all-MiniLM-L6-v2")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="healthz-bench-")
    broker = subprocess.Popen([args.binary, "broker", "--port", "0", "--topic", "examples:2"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    serve = None
    try:
        bootstrap = broker.stdout.readline().split()[-1]
        producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
        rng = random.Random(8)
        sent = 0

        def feed(n):
            nonlocal sent
            for _ in range(n):
                producer.produce("examples", json.dumps(example(rng, sent)).encode())
                sent += 1
            producer.flush()

        feed(2000)
        path = os.path.join(work, "bench.yaml")
        with open(path, "w") as f:
            f.write(pipeline(bootstrap, os.path.join(work, "registry"), os.path.abspath(args.model)))
        log = open(os.path.join(work, "serve.log"), "w")
        serve = subprocess.Popen([args.binary, "serve", "--pipeline", path, "--status-every", "0"], stdout=log, stderr=log)
        port = None
        while port is None:
            time.sleep(0.2)
            text = open(log.name).read()
            if "HTTP on http://127.0.0.1:" in text:
                port = int(text.split("HTTP on http://127.0.0.1:")[1].split("/")[0])
            assert serve.poll() is None, text[-2000:]
        # Idle: the initial stream learned, nothing else running.
        while True:
            adapters = json.loads(get(port, "/v1/status")).get("adapters", [])
            if adapters and adapters[0].get("examples_seen", 0) >= 2000 and adapters[0].get("live_version"):
                break
            assert serve.poll() is None, open(log.name).read()[-2000:]
            time.sleep(0.5)
        time.sleep(3)
        idle = probe(port, args.probes)
        load_idle = os.getloadavg()

        # Load: 8 predicting clients and a producer feeding records (training, snapshots, swaps).
        stop = threading.Event()
        predicted = [0] * 8

        def client(i):
            body = json.dumps({"texts": [example(random.Random(i * 1000 + n), n)["text"] for n in range(8)]})
            while not stop.is_set():
                _, status = request(port, "POST", "/v1/predict", body)
                assert status == 200, status
                predicted[i] += 1

        def feeder():
            while not stop.is_set():
                feed(100)
                time.sleep(0.05)

        before = promotions(port)
        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)] + [threading.Thread(target=feeder)]
        for t in threads:
            t.start()
        time.sleep(3)
        loaded = probe(port, args.probes)
        load_busy = os.getloadavg()
        stop.set()
        for t in threads:
            t.join()
        swaps = promotions(port) - before

        ms = lambda s: f"{s * 1000:.1f} ms"
        print(f"/healthz, {args.probes} probes per phase, new connection each ({args.binary})")
        print(f"  idle:  p50 {ms(percentile(idle, 50))}  p99 {ms(percentile(idle, 99))}  (load average {load_idle[0]:.2f} {load_idle[1]:.2f} {load_idle[2]:.2f})")
        print(f"  load:  p50 {ms(percentile(loaded, 50))}  p99 {ms(percentile(loaded, 99))}  (load average {load_busy[0]:.2f} {load_busy[1]:.2f} {load_busy[2]:.2f})")
        print(f"  p99 load/idle: {percentile(loaded, 99) / percentile(idle, 99):.2f}x; during the load phase: "
              f"{sum(predicted)} predict requests of 8 texts, {swaps} live-version swaps, {sent} records fed in all")
    finally:
        if serve is not None:
            serve.terminate()
            serve.wait(timeout=120)
        broker.terminate()
        broker.wait(timeout=30)


if __name__ == "__main__":
    main()
