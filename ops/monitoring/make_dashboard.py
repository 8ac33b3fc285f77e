#!/usr/bin/env python3
"""Writes grafana-dashboard.json (run after changing a panel: python3 ops/monitoring/make_dashboard.py).

One generator keeps the panels' layout, datasource and units consistent; the JSON is what
Grafana imports (Dashboards -> Import, pick the Prometheus data source)."""
import json, os

DS = {"type": "prometheus", "uid": "${datasource}"}
panels, y = [], 0


def panel(title, exprs, kind="timeseries", unit=None, w=12, h=8, legend=None, description=""):
    global y
    x = 0 if not panels or panels[-1]["gridPos"]["x"] + panels[-1]["gridPos"]["w"] + w > 24 else panels[-1]["gridPos"]["x"] + panels[-1]["gridPos"]["w"]
    if x == 0 and panels:
        y = panels[-1]["gridPos"]["y"] + panels[-1]["gridPos"]["h"]
    p = {
        "id": len(panels) + 1, "type": kind, "title": title, "description": description, "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": [{"refId": chr(65 + i), "datasource": DS, "expr": e, "legendFormat": (legend or [""] * len(exprs))[i]}
                    for i, e in enumerate(exprs)],
        "fieldConfig": {"defaults": {"unit": unit} if unit else {}, "overrides": []},
        "options": {},
    }
    panels.append(p)


A = '{adapter=~"$adapter"}'
panel("Ready", ["streamlora_ready"], "stat", w=4, h=4, description="1 when /readyz answers ready")
panel("Live version", [f"streamlora_live_version{A}"], "stat", w=4, h=4, legend=["{{adapter}}"])
panel("Drift severity (0 ok, 1 warn, 2 alert)", [f'streamlora_drift_severity{{adapter=~"$adapter",scope="overall"}}'], "stat",
      w=4, h=4, legend=["{{adapter}}"])
panel("Build", ["streamlora_build_info"], "table", w=12, h=4, description="version, pipeline, base model")
panel("Prequential accuracy", [f"streamlora_prequential_window_accuracy{A}", f"streamlora_prequential_accuracy{A}"],
      unit="percentunit", legend=["{{adapter}} window", "{{adapter}} cumulative"])
panel("Loss", [f"streamlora_prequential_log_loss{A}", f"streamlora_train_loss{A}"],
      legend=["{{adapter}} prequential log-loss", "{{adapter}} train step"])
panel("Consumer lag", ["sum by (topic, partition) (streamlora_consumer_lag)"], legend=["{{topic}}/{{partition}}"])
panel("Throughput", [f"rate(streamlora_examples_total{A}[$__rate_interval])", "rate(streamlora_consumed_total[$__rate_interval])"],
      unit="ops", legend=["{{adapter}} examples/s", "records consumed/s"])
panel("Promotions, rejections, rollbacks (by cause)", [
    f"sum by (adapter, cause) (increase(streamlora_promotions_total{A}[$__rate_interval]))",
    f"sum by (adapter, cause) (increase(streamlora_rejections_total{A}[$__rate_interval]))",
    f"sum by (adapter, cause) (increase(streamlora_rollbacks_total{A}[$__rate_interval]))"],
    "timeseries", legend=["promote {{adapter}} {{cause}}", "reject {{adapter}} {{cause}}", "rollback {{adapter}} {{cause}}"])
panel("Dead letters by reason", ["sum by (reason) (rate(streamlora_dead_lettered_total[$__rate_interval]))"],
      unit="ops", legend=["{{reason}}"])
panel("Snapshot duration (p50, p95)", [
    f"histogram_quantile(0.5, sum by (le, adapter) (rate(streamlora_snapshot_duration_seconds_bucket{A}[$__rate_interval])))",
    f"histogram_quantile(0.95, sum by (le, adapter) (rate(streamlora_snapshot_duration_seconds_bucket{A}[$__rate_interval])))"],
    unit="s", legend=["{{adapter}} p50", "{{adapter}} p95"])
panel("Snapshot size", [f"streamlora_snapshot_size_bytes{A}"], unit="bytes", legend=["{{adapter}}"])
panel("Label drift", [f"streamlora_drift_label_js_divergence{A}", f"streamlora_drift_label_psi{A}"],
      legend=["{{adapter}} JS divergence", "{{adapter}} PSI"])
panel("Input drift (PSI per feature)", [f"streamlora_drift_input_psi{A}"], legend=["{{adapter}} {{feature}}"])
panel("Drift tests: p-values (low = the distributions differ)", [f"streamlora_drift_label_p_value{A}", f"streamlora_drift_input_p_value{A}"],
      legend=["{{adapter}} labels", "{{adapter}} input {{feature}}"])
panel("Concept drift detections", [f"sum by (adapter, detector, signal) (increase(streamlora_drift_detections_total{A}[$__rate_interval]))"],
      legend=["{{adapter}} {{detector}}/{{signal}}"])
panel("HTTP latency p95 by route", [
    "histogram_quantile(0.95, sum by (le, route) (rate(streamlora_http_request_duration_seconds_bucket[$__rate_interval])))"],
    unit="s", legend=["{{route}}"])
panel("HTTP requests by status", ["sum by (status) (rate(streamlora_http_requests_total[$__rate_interval]))"],
      unit="reqps", legend=["{{status}}"])

dashboard = {
    "title": "StreamLoRA", "uid": "streamlora", "tags": ["streamlora"], "timezone": "browser",
    "schemaVersion": 39, "version": 1, "refresh": "30s", "time": {"from": "now-6h", "to": "now"},
    "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus"}],
    "templating": {"list": [
        {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"},
        {"name": "adapter", "type": "query", "datasource": DS, "label": "Adapter", "multi": True, "includeAll": True,
         "allValue": ".*", "query": {"query": "label_values(streamlora_examples_total, adapter)", "refId": "adapters"},
         "definition": "label_values(streamlora_examples_total, adapter)", "refresh": 2},
    ]},
    "annotations": {"list": [{
        "name": "Rollbacks", "datasource": DS, "enable": True, "iconColor": "red",
        "expr": "changes(sum by (adapter) (streamlora_rollbacks_total)[1m:]) > 0", "titleFormat": "rollback {{adapter}}"}]},
    "panels": panels,
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grafana-dashboard.json")
with open(out, "w") as f:
    json.dump(dashboard, f, indent=2)
    f.write("\n")
