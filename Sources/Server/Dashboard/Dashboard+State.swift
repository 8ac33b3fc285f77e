extension Dashboard {
    /// Polling, client-side history and event detection.
    ///
    /// The agent serves current values only, so the page records one point per poll per adapter
    /// (kept in `sessionStorage`, capped at 30 minutes) and derives events by comparing polls: a
    /// live-version change, a detector firing, readiness flipping.
    static let stateScript = #"""
    const POLL_MS = 2000, MAX_POINTS = 900, TOKEN_KEY = "streamlora.token", HISTORY_KEY = "streamlora.history";
    const $ = id => document.getElementById(id);
    const state = {
      status: null, drift: {}, versions: {}, events: [], polls: 0, online: null, error: null,
      selected: sessionStorage.getItem("streamlora.adapter"), previous: {}, history: loadHistory(),
    };

    function loadHistory() {
      try { return JSON.parse(sessionStorage.getItem(HISTORY_KEY)) || {}; } catch (e) { return {}; }
    }

    function saveHistory() {
      try { sessionStorage.setItem(HISTORY_KEY, JSON.stringify(state.history)); } catch (e) { /* quota: keep in memory */ }
    }

    async function getJSON(url, init) {
      const response = await fetch(url, Object.assign({cache: "no-store"}, init || {}));
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        const err = new Error(body && body.error ? body.error : `${response.status} ${response.statusText}`);
        err.status = response.status;
        throw err;
      }
      return body;
    }

    const fmt = {
      pct: v => isNum(v) ? (v * 100).toFixed(1) + "%" : "–",
      num: (v, d = 3) => isNum(v) ? v.toFixed(d) : (v === null || v === undefined ? "–" : String(v)),
      int: v => isNum(v) ? Math.round(v).toLocaleString("en-US") : "–",
      small: v => !isNum(v) ? "–" : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3),
      duration: s => {
        if (!isNum(s)) return "–";
        const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
        return d ? `${d}d ${h}h` : h ? `${h}h ${String(m).padStart(2, "0")}m` : m ? `${m}m ${Math.floor(s % 60)}s` : `${Math.floor(s)}s`;
      },
      ago: iso => {
        const t = Date.parse(iso);
        if (!isFinite(t)) return "–";
        const s = Math.max(0, (Date.now() - t) / 1000);
        return s < 60 ? `${Math.floor(s)} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ago` : s < 86400 ? `${Math.floor(s / 3600)} h ago` : new Date(t).toLocaleDateString();
      },
    };

    function addEvent(adapter, kind, text) {
      state.events.unshift({t: Date.now(), adapter, kind, text});
      state.events.length = Math.min(state.events.length, 200);
    }

    /// Records one poll: history points, then events from the differences to the previous poll.
    function ingest(status, driftList) {
      const now = Date.now(), drift = {};
      for (const r of driftList.reports || []) drift[r.adapter] = r;
      if (state.status && state.status.ready !== status.ready) addEvent(null, status.ready ? "ok" : "alert", status.ready ? "Agent is ready" : "Agent is not ready");
      for (const a of status.adapters) {
        const d = drift[a.name], p = a.prequential || {}, prev = state.previous[a.name];
        const point = {t: now, seen: a.examples_seen, accC: p.cumulative?.accuracy, accW: p.windowed?.accuracy,
          llC: p.cumulative?.log_loss, llW: p.windowed?.log_loss, js: d?.label?.js_divergence, lpsi: d?.label?.psi,
          ipsi: d?.input?.max_psi};
        const h = state.history[a.name] || (state.history[a.name] = []);
        h.push(point);
        if (h.length > MAX_POINTS) h.splice(0, h.length - MAX_POINTS);
        if (prev) {
          if (prev.live !== a.live_version) addEvent(a.name, "live", `Live version ${prev.live ?? "none"} → ${a.live_version ?? "none"}`);
          for (const det of d?.concept?.detectors || []) {
            const key = det.name + "/" + det.signal, before = prev.detections?.[key];
            if (before !== undefined && det.detections > before) addEvent(a.name, "alert", `${detectorName(det.name)} detected drift in ${det.signal}`);
          }
          if (d && prev.severity && prev.severity !== d.severity) addEvent(a.name, d.severity, `Drift severity ${prev.severity} → ${d.severity}`);
          if (a.dlq_messages > (prev.dlq ?? a.dlq_messages)) addEvent(a.name, "warn", `${a.dlq_messages - prev.dlq} message(s) dead-lettered`);
        }
        const detections = {};
        for (const det of d?.concept?.detectors || []) detections[det.name + "/" + det.signal] = det.detections;
        state.previous[a.name] = {live: a.live_version, detections, severity: d?.severity, dlq: a.dlq_messages};
      }
      state.status = status;
      state.drift = drift;
      const names = status.adapters.map(a => a.name);
      if (!names.includes(state.selected)) state.selected = names.includes(status.default_adapter) ? status.default_adapter : names[0] ?? null;
      if (++state.polls % 5 === 0) saveHistory();
    }

    const detectorName = n => ({adwin: "ADWIN", page_hinkley: "Page-Hinkley"}[n] || n);

    function selectedStatus() {
      return state.status?.adapters.find(a => a.name === state.selected) ?? null;
    }

    async function loadVersions(name) {
      if (!name) return;
      try {
        const detail = await getJSON(`/v1/adapters/${encodeURIComponent(name)}`);
        state.versions[name] = detail.versions;
      } catch (e) {
        state.versions[name] = {error: e.message};
      }
      if (name === state.selected) renderVersions();
    }

    async function poll() {
      try {
        const [status, drift] = await Promise.all([getJSON("/v1/status"), getJSON("/v1/drift")]);
        const before = selectedStatus()?.live_version;
        state.online = true; state.error = null;
        ingest(status, drift);
        render();
        const live = selectedStatus()?.live_version;
        if (!state.versions[state.selected] || before !== live || state.polls % 5 === 0) loadVersions(state.selected);
      } catch (e) {
        if (state.online !== false) addEvent(null, "alert", `Lost contact with the agent: ${e.message}`);
        state.online = false; state.error = e.message;
        renderTop();
      } finally {
        setTimeout(poll, POLL_MS);
      }
    }
    """#
}
