import API

extension Dashboard {
    /// Polling and the server-side history.
    ///
    /// On open the page loads the agent's recorded curves (`/v1/history`) and timeline
    /// (`/v1/events`: the registry journal plus drift and readiness alarms), so a reload or a
    /// second browser shows the same picture; then it polls every 2 s and appends what it sees.
    static let stateScript = #"""
    const POLL_MS = 2000, MAX_POINTS = 900, TOKEN_KEY = "streamlora.token";
    const $ = id => document.getElementById(id);
    const state = {
      status: null, drift: {}, versions: {}, events: [], local: [], polls: 0, online: null, error: null,
      selected: sessionStorage.getItem("streamlora.adapter"), history: {},
    };

    /// A recorded point (`HistoryPoint`) in the charts' shape.
    const toPoint = p => ({t: Date.parse(p.time), seen: p.examples_seen, accC: p.accuracy, accW: p.window_accuracy,
      llC: p.log_loss, llW: p.window_log_loss, js: p.label_js_divergence, lpsi: p.label_psi, ipsi: p.input_psi});

    /// A server event (`AgentEvent`) in the timeline's shape; `mark` puts it on the charts.
    const toEvent = e => ({t: Date.parse(e.time), adapter: e.adapter, cls: e.severity === "info" ? (e.kind === "promote" ? "livemark" : "ok") : e.severity,
      label: e.kind.replace(/_/g, " "), text: `${e.message}${e.version ? ` (${e.version})` : ""}${e.cause ? ` · ${e.cause}` : ""}`,
      mark: ["promote", "rollback", "clear_live", "drift", "adapt"].includes(e.kind)});

    async function loadHistory() {
      try {
        const h = await getJSON("/v1/history");
        for (const [name, points] of Object.entries(h.adapters || {})) state.history[name] = points.map(toPoint);
      } catch (e) { /* an older agent: the page records from now on */ }
    }

    async function loadEvents() {
      try {
        const list = await getJSON("/v1/events?limit=200");
        state.events = list.events.map(toEvent).concat(state.local).sort((x, y) => y.t - x.t).slice(0, 200);
      } catch (e) { /* keep the last timeline */ }
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

    /// An event only this page can see (losing contact with the agent, an action taken here).
    function addEvent(adapter, cls, text) {
      state.local.unshift({t: Date.now(), adapter, cls, label: cls === "live" ? "version" : cls, text, mark: false});
      state.local.length = Math.min(state.local.length, 50);
      state.events = [state.local[0], ...state.events].slice(0, 200);
    }

    /// Records one poll as a history point per adapter.
    function ingest(status, driftList) {
      const now = Date.now(), drift = {};
      for (const r of driftList.reports || []) drift[r.adapter] = r;
      for (const a of status.adapters) {
        const d = drift[a.name], p = a.prequential || {};
        const h = state.history[a.name] || (state.history[a.name] = []);
        h.push({t: now, seen: a.examples_seen, accC: p.cumulative?.accuracy, accW: p.windowed?.accuracy,
          llC: p.cumulative?.log_loss, llW: p.windowed?.log_loss, js: d?.label?.js_divergence, lpsi: d?.label?.psi,
          ipsi: d?.input?.max_psi});
        if (h.length > MAX_POINTS) h.splice(0, h.length - MAX_POINTS);
      }
      state.status = status;
      state.drift = drift;
      state.polls++;
      const names = status.adapters.map(a => a.name);
      if (!names.includes(state.selected)) state.selected = names.includes(status.default_adapter) ? status.default_adapter : names[0] ?? null;
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
        if (state.polls === 0) await loadHistory();
        const [status, drift] = await Promise.all([getJSON("/v1/status"), getJSON("/v1/drift"), loadEvents()]);
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
