extension Dashboard {
    /// The static skeleton; the script fills every element marked with an id.
    static let body = #"""
    <header class="topbar">
      <div class="brand">
        <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true"><rect x="2" y="13" width="4" height="9" rx="1" fill="#818cf8"/><rect x="10" y="8" width="4" height="14" rx="1" fill="#6366f1"/><rect x="18" y="3" width="4" height="19" rx="1" fill="#4f46e5"/></svg>
        StreamLoRA <span class="sub">control plane</span>
      </div>
      <div class="top-meta">
        <span id="pill-ready" class="pill">connecting</span>
        <span>pipeline <b id="meta-pipeline">–</b></span>
        <span>topic <b id="meta-topic">–</b></span>
        <span>uptime <b id="meta-uptime">–</b></span>
        <span>updated <b id="meta-updated">–</b></span>
        <button id="btn-token" class="btn ghost" type="button">Set token</button>
      </div>
    </header>
    <main>
      <div id="banner" class="banner hidden" role="alert"></div>
      <section class="cards" id="cards" aria-label="Summary"></section>
      <nav class="tabs" id="tabs" aria-label="Adapters"></nav>
      <section class="grid">
        <div class="panel wide"><h2><span id="adapter-title">Adapter</span><span class="hint" id="adapter-hint"></span></h2>
          <div class="kpis" id="kpis"></div></div>
        <div class="panel"><h2>Prequential accuracy <span class="hint">test-then-train</span></h2><div class="chart" id="chart-acc"></div></div>
        <div class="panel"><h2>Prequential log-loss <span class="hint">lower is better</span></h2><div class="chart" id="chart-loss"></div></div>
        <div class="panel"><h2>Label drift — Jensen–Shannon <span class="hint" id="hint-js"></span></h2><div class="chart" id="chart-js"></div></div>
        <div class="panel"><h2>Population stability index <span class="hint" id="hint-psi"></span></h2><div class="chart" id="chart-psi"></div></div>
        <div class="panel"><h2>Input drift — PSI per feature <span class="hint" id="hint-ref"></span></h2><div class="chart" id="chart-features"></div></div>
        <div class="panel"><h2>Label distribution <span class="hint">reference vs current window</span></h2><div class="chart" id="chart-labels"></div></div>
        <div class="panel"><h2>Concept drift detectors <span class="hint" id="hint-concept"></span></h2><div id="detectors"></div></div>
        <div class="panel wide"><h2>Drift tests <span class="hint" id="hint-tests">statistic, threshold, p-value and severity per part</span></h2><div id="drift-tests"></div></div>
        <div class="panel"><h2>Events <span class="hint">journal and alarms</span></h2><ul class="events" id="events"></ul></div>
        <div class="panel wide"><h2>Versions <span><button id="btn-rollback" class="btn danger" type="button">Roll back…</button></span></h2>
          <div id="versions"></div></div>
        <div class="panel wide"><h2>Consumer <span class="hint" id="hint-consumer"></span></h2><div id="partitions"></div></div>
      </section>
    </main>
    <footer>Polling <span class="mono">/v1/status</span> and <span class="mono">/v1/drift</span> every 2 s ·
      <a href="/metrics">/metrics</a> · history and events kept by the agent (<a href="/v1/history">/v1/history</a>,
      <a href="/v1/events">/v1/events</a>) · <a href="/openapi.json">API</a></footer>
    <dialog id="dlg">
      <form method="dialog" id="dlg-form">
        <h3 id="dlg-title">Confirm</h3>
        <p id="dlg-text"></p>
        <label id="dlg-token-row">API token<input id="dlg-token" type="password" autocomplete="off" placeholder="Bearer token (kept for this tab only)"></label>
        <label id="dlg-reason-row">Reason<input id="dlg-reason" type="text" maxlength="1000" placeholder="Why? Recorded in the journal"></label>
        <div class="error hidden" id="dlg-error"></div>
        <div class="actions"><button class="btn" value="cancel" type="button" id="dlg-cancel">Cancel</button>
          <button class="btn primary" value="ok" id="dlg-ok">Confirm</button></div>
      </form>
    </dialog>
    <div id="toast" class="toast hidden" role="status"></div>
    """#
}
