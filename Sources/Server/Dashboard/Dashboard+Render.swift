extension Dashboard {
    /// Rendering of the header, summary cards, adapter tabs and panels from `state`.
    static let renderScript = #"""
    function render() {
      renderTop(); renderCards(); renderTabs(); renderAdapter(); renderEvents(); renderVersions();
    }

    function renderTop() {
      const s = state.status, pill = $("pill-ready");
      if (state.online === false) { pill.className = "pill alert"; pill.textContent = "unreachable"; }
      else if (s) { pill.className = "pill " + (s.ready ? "ok" : "warn"); pill.textContent = s.ready ? "ready" : "not ready"; }
      $("banner").classList.toggle("hidden", state.online !== false);
      if (state.online === false) $("banner").textContent = `Cannot reach the agent (${state.error}). Retrying every 2 s; the plots keep their history.`;
      if (!s) return;
      $("meta-pipeline").textContent = s.pipeline ?? "–";
      $("meta-topic").textContent = s.topic ?? "–";
      $("meta-uptime").textContent = fmt.duration(s.uptime_seconds);
      $("meta-updated").textContent = clock(Date.now());
      $("btn-token").textContent = sessionStorage.getItem(TOKEN_KEY) ? "Token set ✓ (clear)" : "Set token";
    }

    function card(k, v, sub, cls) {
      return `<div class="card"><div class="k">${esc(k)}</div><div class="v ${cls || ""}">${v}</div><div class="s">${sub}</div></div>`;
    }

    function renderCards() {
      const s = state.status, adapters = s.adapters;
      const seen = adapters.reduce((n, a) => n + a.examples_seen, 0);
      let rate = "–";
      const h = adapters.map(a => state.history[a.name] || []);
      const first = h.map(x => x.find(p => p.t >= Date.now() - 30000)).filter(Boolean);
      if (first.length) {
        const dt = (Date.now() - Math.min(...first.map(p => p.t))) / 1000;
        const dn = seen - first.reduce((n, p) => n + (p.seen || 0), 0);
        if (dt >= 3) rate = `${(dn / dt).toFixed(1)} examples/s`;
      }
      const partitions = new Map();
      for (const a of adapters) for (const p of a.partitions) partitions.set(p.topic + "/" + p.partition, p.lag);
      const lag = [...partitions.values()].reduce((n, l) => n + (isNum(l) ? l : 0), 0);
      const dlq = s.dlq_messages;
      const sev = Object.values(state.drift).map(r => r.severity);
      const worst = sev.includes("alert") ? "alert" : sev.includes("warn") ? "warn" : "ok";
      const flagged = Object.values(state.drift).filter(r => r.severity !== "ok").map(r => r.adapter);
      $("cards").innerHTML =
        card("Agent", `<span class="badge ${s.ready ? "ok" : "warn"}" style="font-size:15px">${s.ready ? "ready" : "not ready"}</span>`, `up ${esc(fmt.duration(s.uptime_seconds))} · ${esc(s.base_model ?? "")}`) +
        card("Adapters", esc(adapters.length), `default: ${esc(s.default_adapter ?? "–")}`) +
        card("Examples seen", esc(fmt.int(seen)), esc(rate)) +
        card("Consumer lag", esc(fmt.int(lag)), `${partitions.size} partition(s)`) +
        card("Dead-lettered", esc(fmt.int(dlq)), "messages sent to the DLQ") +
        card("Drift", `<span class="badge ${worst}" style="font-size:15px">${worst}</span>`, flagged.length ? `in ${esc(flagged.join(", "))}` : "all adapters stable");
    }

    function renderTabs() {
      $("tabs").innerHTML = state.status.adapters.map(a => {
        const sev = state.drift[a.name]?.severity || "ok";
        return `<button class="tab ${a.name === state.selected ? "active" : ""}" data-adapter="${esc(a.name)}" type="button"><span class="dot ${sev}"></span>${esc(a.name)}</button>`;
      }).join("") || `<span class="empty" style="padding:8px 12px">No adapters yet</span>`;
    }

    function kpi(k, v, sub) {
      return `<div class="kpi"><div class="k">${esc(k)}</div><div class="v">${v}${sub ? ` <small>${sub}</small>` : ""}</div></div>`;
    }

    function renderAdapter() {
      const a = selectedStatus();
      if (!a) { $("kpis").innerHTML = `<div class="empty" style="height:60px">No adapter selected</div>`; return; }
      const p = a.prequential, snap = a.last_snapshot, d = state.drift[a.name], t = d?.thresholds;
      $("adapter-title").textContent = `Adapter ${a.name}`;
      $("adapter-hint").textContent = `${a.labels.length} label(s): ${a.labels.slice(0, 8).join(", ")}${a.labels.length > 8 ? ", …" : ""}`;
      $("kpis").innerHTML =
        kpi("Live version", `<span class="mono">${esc(a.live_version ?? "none")}</span>`) +
        kpi("Last snapshot", snap ? `<span class="mono">${esc(snap.version)}</span>` : "–", snap ? `<span class="badge ${esc(snap.status)}">${esc(snap.status)}</span> ${esc(fmt.ago(snap.created_at))}` : "") +
        kpi("Examples seen", esc(fmt.int(a.examples_seen)), `${esc(fmt.int(a.examples_trained))} trained · ${esc(fmt.int(a.holdout_examples))} holdout`) +
        kpi("Steps", esc(fmt.int(a.steps)), a.last_train_loss !== null ? `loss ${esc(fmt.num(a.last_train_loss))}` : "") +
        kpi("Accuracy", esc(fmt.pct(p.windowed.accuracy)), `window ${esc(fmt.int(p.window))} · all ${esc(fmt.pct(p.cumulative.accuracy))}`) +
        kpi("Log-loss", esc(fmt.num(p.windowed.log_loss)), `all ${esc(fmt.num(p.cumulative.log_loss))}`);
      const h = state.history[a.name] || [], series = key => h.map(x => [x.t, x[key]]);
      const events = state.events.filter(e => e.adapter === a.name && e.mark).map(e => e.t);
      lineChart($("chart-acc"), {title: "accuracy", yMin: 0, yMax: 1, format: fmt.pct, events,
        series: [{name: "windowed", color: COLORS.accent, points: series("accW")},
                 {name: "cumulative", color: COLORS.accent2, dash: true, points: series("accC")}]});
      lineChart($("chart-loss"), {title: "log-loss", yMin: 0, format: v => fmt.num(v, 3), events,
        series: [{name: "windowed", color: COLORS.accent, points: series("llW")},
                 {name: "cumulative", color: COLORS.accent2, dash: true, points: series("llC")}]});
      const reference = d ? `reference ${d.reference.state} ${fmt.int(d.reference.examples)}/${fmt.int(d.reference.target)}` : "";
      const waiting = d && d.reference.state !== "frozen" ? `Collecting the reference window: ${fmt.int(d.reference.examples)} of ${fmt.int(d.reference.target)} examples`
        : "Waiting for the current window to fill";
      $("hint-js").textContent = t ? `warn ≥ ${t.js_warn} · alert ≥ ${t.js_alert}` : "";
      $("hint-psi").textContent = t ? `warn ≥ ${t.psi_warn} · alert ≥ ${t.psi_alert}` : "";
      $("hint-ref").textContent = reference;
      lineChart($("chart-js"), {title: "JS divergence", zeroBased: true, format: fmt.small, empty: waiting, events,
        thresholds: t ? [{value: t.js_warn, label: "warn", color: COLORS.warn}, {value: t.js_alert, label: "alert", color: COLORS.alert}] : [],
        series: [{name: "label JS", color: COLORS.accent3, points: series("js")}]});
      lineChart($("chart-psi"), {title: "PSI", zeroBased: true, format: fmt.small, empty: waiting, events,
        thresholds: t ? [{value: t.psi_warn, label: "warn", color: COLORS.warn}, {value: t.psi_alert, label: "alert", color: COLORS.alert}] : [],
        series: [{name: "label PSI", color: COLORS.accent3, points: series("lpsi")},
                 {name: "input max PSI", color: COLORS.accent2, points: series("ipsi")}]});
      const sevColor = s => COLORS[s] || COLORS.ok;
      barChart($("chart-features"), (d?.input?.features || []).map(f => ({label: f.feature.replace("projection_", "projection "),
        bars: [{value: f.psi, color: sevColor(f.severity), text: `${fmt.small(f.psi)} ${f.severity === "ok" ? "" : f.severity}`}]})),
        {format: fmt.small, empty: waiting, thresholds: t ? [{value: t.psi_warn, color: COLORS.warn}, {value: t.psi_alert, color: COLORS.alert}] : []});
      renderLabels(d);
      renderDetectors(d);
      renderTests(d);
      renderPartitions(a);
    }

    function renderLabels(d) {
      const ref = d?.label?.reference_counts, cur = d?.label?.current_counts;
      if (!ref || !cur) { barChart($("chart-labels"), [], {empty: "Available once the reference is frozen and the current window is full enough"}); return; }
      const total = o => Object.values(o).reduce((n, v) => n + v, 0) || 1, rt = total(ref), ct = total(cur);
      const labels = [...new Set([...Object.keys(ref), ...Object.keys(cur)])].sort((x, y) => (cur[y] || 0) - (cur[x] || 0)).slice(0, 12);
      barChart($("chart-labels"), labels.map(l => ({label: l, bars: [
        {value: (ref[l] || 0) / rt, color: COLORS.muted, text: fmt.pct((ref[l] || 0) / rt)},
        {value: (cur[l] || 0) / ct, color: COLORS.accent, text: fmt.pct((cur[l] || 0) / ct) + ((ref[l] || 0) === 0 ? " new" : "")}]})),
        {format: fmt.pct, legend: [{name: "reference", color: COLORS.muted}, {name: "current", color: COLORS.accent}]});
    }

    function renderDetectors(d) {
      const c = d?.concept;
      $("hint-concept").textContent = c ? `${c.detections} detection(s)${c.last_detection_index !== null && c.last_detection_index !== undefined ? ` · last at example ${fmt.int(c.last_detection_index)}` : ""}` : "";
      if (!c) { $("detectors").innerHTML = `<div class="empty" style="height:120px">No drift report</div>`; return; }
      $("detectors").innerHTML = `<table><thead><tr><th>Detector</th><th>Signal</th><th class="num">Estimate</th><th class="num">Width</th><th class="num">Detections</th><th class="num">Last at</th><th>State</th></tr></thead><tbody>` +
        c.detectors.map(x => `<tr><td>${esc(detectorName(x.name))}</td><td>${esc(x.signal)}</td><td class="num">${esc(fmt.num(x.estimation, 4))}</td><td class="num">${esc(fmt.int(x.width))}</td><td class="num">${esc(fmt.int(x.detections))}</td><td class="num">${esc(x.last_detection_index === null || x.last_detection_index === undefined ? "–" : fmt.int(x.last_detection_index))}</td><td>${x.drift_detected ? `<span class="badge alert">drift now</span>` : `<span class="badge ${esc(x.severity)}">${esc(x.severity)}</span>`}</td></tr>`).join("") +
        `</tbody></table>`;
    }

    // Every decision the drift monitor makes, with its numbers: the label and per-feature input
    // G-tests (p-value against the alert cut; input p-values Holm-adjusted) and each concept
    // detector's last alarm (statistic against its threshold: ADWIN's ε at confidence δ,
    // Page-Hinkley's λ — these detectors have no p-value).
    function renderTests(d) {
      const t = d?.thresholds;
      if (!d) { $("drift-tests").innerHTML = `<div class="empty" style="height:80px">No drift report</div>`; return; }
      const pv = v => !isNum(v) ? "–" : v < 1e-4 ? v.toExponential(1) : v.toFixed(4);
      const cut = v => isNum(v ?? t?.p_alert) ? `p < ${pv(v ?? t.p_alert)}` : "–";
      const rows = [];
      if (d.label) rows.push(["label", `G-test, df ${d.label.test?.degrees_of_freedom ?? "–"}`, d.label.test?.statistic, cut(d.label.threshold), pv(d.label.test?.p_value), d.label.severity]);
      for (const f of d.input?.features || []) rows.push([`input · ${f.feature.replace("projection_", "projection ")}`, "G-test, Holm", f.test?.statistic,
        cut(d.input.threshold), pv(f.adjusted_p_value), f.severity]);
      for (const x of d.concept?.detectors || []) rows.push([`concept · ${detectorName(x.name)} on ${x.signal}`,
        x.last_alarm ? `last alarm at example ${fmt.int(x.last_alarm.index)}` : "no alarm", x.last_alarm?.statistic,
        x.last_alarm ? `> ${fmt.small(x.last_alarm.threshold)}` : "–", "–", x.severity]);
      $("hint-tests").textContent = d.reference.state === "frozen" ? `alert below p ${pv(t?.p_alert)} · warn below ${pv(t?.p_warn)}`
        : `collecting the reference: ${fmt.int(d.reference.examples)} of ${fmt.int(d.reference.target)} examples`;
      $("drift-tests").innerHTML = `<table><thead><tr><th>Part</th><th>Test</th><th class="num">Statistic</th><th class="num">Threshold</th><th class="num">p-value</th><th>Severity</th></tr></thead><tbody>` +
        rows.map(r => `<tr><td>${esc(r[0])}</td><td>${esc(r[1])}</td><td class="num">${esc(fmt.small(r[2]))}</td><td class="num">${esc(r[3])}</td>` +
          `<td class="num mono">${esc(r[4])}</td><td><span class="badge ${esc(r[5])}">${esc(r[5])}</span></td></tr>`).join("") + `</tbody></table>`;
    }

    function renderPartitions(a) {
      const lag = a.partitions.reduce((n, p) => n + (isNum(p.lag) ? p.lag : 0), 0);
      $("hint-consumer").textContent = `lag ${fmt.int(lag)} · ${fmt.int(state.status.dlq_messages)} dead-lettered (agent)`;
      if (!a.partitions.length) { $("partitions").innerHTML = `<div class="empty" style="height:60px">No partitions assigned</div>`; return; }
      $("partitions").innerHTML = `<table><thead><tr><th>Topic</th><th class="num">Partition</th><th class="num">Position</th><th class="num">High watermark</th><th class="num">Lag</th></tr></thead><tbody>` +
        a.partitions.map(p => `<tr><td class="mono">${esc(p.topic)}</td><td class="num">${esc(p.partition)}</td><td class="num">${esc(fmt.int(p.position))}</td><td class="num">${esc(fmt.int(p.high_watermark))}</td><td class="num">${esc(fmt.int(p.lag))}</td></tr>`).join("") +
        `</tbody></table>`;
    }

    function renderEvents() {
      $("events").innerHTML = state.events.slice(0, 60).map(e => {
        const cls = e.cls === "live" ? "livemark" : e.cls;
        return `<li><time>${esc(clock(e.t))}</time><span class="badge ${esc(cls)}">${esc(e.label)}</span><span>${e.adapter ? `<b>${esc(e.adapter)}</b> · ` : ""}${esc(e.text)}</span></li>`;
      }).join("") || `<li><span style="color:var(--muted)">Nothing yet: promotions, rejections, rollbacks, manual actions and drift alarms appear here.</span></li>`;
    }

    function renderVersions() {
      const a = selectedStatus(), list = a ? state.versions[a.name] : null;
      if (!a || !list) { $("versions").innerHTML = `<div class="empty" style="height:80px">Loading versions…</div>`; return; }
      if (list.error) { $("versions").innerHTML = `<div class="empty" style="height:80px">${esc(list.error)}</div>`; return; }
      if (!list.length) { $("versions").innerHTML = `<div class="empty" style="height:80px">No versions yet: the first snapshot appears after enough training</div>`; return; }
      const liveNum = Number(a.live_version);
      const rows = [...list].reverse().map(v => {
        let action = "";
        // A version the gate rejected gets no button: overriding the gate is a deliberate CLI act.
        if (!v.is_live && v.status !== "rejected") action = a.live_version !== null && Number(v.version) < liveNum
          ? `<button class="btn danger" type="button" data-act="rollback" data-version="${esc(v.version)}">Roll back here</button>`
          : `<button class="btn" type="button" data-act="promote" data-version="${esc(v.version)}">Promote</button>`;
        const m = v.holdout || {};
        return `<tr class="${v.is_live ? "live" : ""}"><td class="mono">${esc(v.version)}${v.is_live ? `<span class="badge livemark">live</span>` : ""}</td>` +
          `<td><span class="badge ${esc(v.status)}">${esc(v.status)}</span></td><td>${esc(fmt.ago(v.created_at))}</td><td class="mono">${esc(v.parent ?? "–")}</td>` +
          `<td class="num">${esc(fmt.int(v.examples_trained))}</td><td class="num">${esc(fmt.int(v.steps))}</td>` +
          `<td class="num">${esc(fmt.pct(m.accuracy))}</td><td class="num">${esc(fmt.num(m.log_loss))}</td>` +
          `<td class="reason" title="${esc(v.reason ?? "")}">${esc(v.reason ?? "")}</td><td class="num">${action}</td></tr>`;
      }).join("");
      $("versions").innerHTML = `<table><thead><tr><th>Version</th><th>Status</th><th>Created</th><th>Parent</th><th class="num">Trained on</th><th class="num">Steps</th><th class="num">Holdout acc.</th><th class="num">Holdout loss</th><th>Reason</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
    }
    """#
}
