extension Dashboard {
    /// Small SVG chart helpers (no library: the page must work without internet): a time-series
    /// line chart with threshold lines, event markers and a hover read-out, and a horizontal bar
    /// chart. Every text that reaches markup goes through `esc`.
    static let chartsScript = #"""
    "use strict";
    const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
    const isNum = v => typeof v === "number" && isFinite(v);
    const COLORS = {ok: "var(--ok)", warn: "var(--warn)", alert: "var(--alert)", accent: "var(--accent)", accent2: "#0ea5e9",
      accent3: "#a855f7", muted: "#94a3b8"};

    function niceTicks(min, max, count) {
      if (!isNum(min) || !isNum(max) || max <= min) return [];
      const raw = (max - min) / Math.max(1, count), mag = Math.pow(10, Math.floor(Math.log10(raw))), n = raw / mag;
      const step = (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag, out = [];
      for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
      return out;
    }

    function timeTicks(t0, t1, count) {
      const steps = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map(s => s * 1000);
      const step = steps.find(s => (t1 - t0) / s <= Math.max(2, count)) || steps[steps.length - 1];
      const out = [];
      for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) out.push(t);
      return out;
    }

    const clock = ms => new Date(ms).toTimeString().slice(0, 8);
    const shortClock = ms => { const d = new Date(ms); return d.getSeconds() ? clock(ms) : clock(ms).slice(0, 5); };

    /// opt: {series: [{name, color, dash, points: [[t, v]]}], thresholds: [{value, label, color}],
    ///       events: [t], yMin, yMax, zeroBased, format: v => string, height, empty}
    /// The y range follows the data (clamped to yMin/yMax) but always shows the thresholds, so a
    /// drift statistic is read against its warn/alert lines.
    function lineChart(el, opt) {
      const W = Math.max(300, Math.floor(el.clientWidth || 520)), H = opt.height || 200;
      const m = {l: 46, r: 12, t: 8, b: 22};
      const fmt = opt.format || (v => String(v));
      const pts = opt.series.flatMap(s => s.points.filter(p => isNum(p[1])));
      if (!pts.length) {
        el.innerHTML = `<div class="empty" style="height:${H}px">${esc(opt.empty || "Waiting for data…")}</div>`;
        return;
      }
      let x1 = Math.max(...pts.map(p => p[0])), x0 = Math.min(...pts.map(p => p[0]));
      if (x1 - x0 < 60000) x0 = x1 - 60000;
      let y0 = Math.min(...pts.map(p => p[1])), y1 = Math.max(...pts.map(p => p[1]));
      for (const th of opt.thresholds || []) y1 = Math.max(y1, th.value * 1.12);
      const pad = (y1 - y0) * 0.08 || Math.abs(y1) * 0.1 || 0.1;
      y0 = opt.zeroBased ? 0 : opt.yMin !== undefined ? Math.max(opt.yMin, y0 - pad) : y0 - pad;
      y1 = opt.yMax !== undefined ? Math.min(opt.yMax, y1 + pad) : y1 + pad;
      if (y1 <= y0) y1 = y0 + 1;
      const X = t => m.l + (t - x0) / (x1 - x0) * (W - m.l - m.r);
      const Y = v => H - m.b - (v - y0) / (y1 - y0) * (H - m.t - m.b);
      let s = `<svg class="chart-svg" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${esc(opt.title || "")}">`;
      for (const v of niceTicks(y0, y1, 4)) {
        s += `<line class="grid" x1="${m.l}" x2="${W - m.r}" y1="${Y(v).toFixed(1)}" y2="${Y(v).toFixed(1)}"/>`;
        s += `<text x="${m.l - 6}" y="${(Y(v) + 3.5).toFixed(1)}" text-anchor="end">${esc(fmt(v))}</text>`;
      }
      for (const t of timeTicks(x0, x1, Math.floor((W - m.l - m.r) / 80))) {
        s += `<text x="${X(t).toFixed(1)}" y="${H - 6}" text-anchor="middle">${esc(shortClock(t))}</text>`;
      }
      s += `<line class="axis" x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}"/>`;
      for (const t of opt.events || []) if (t >= x0 && t <= x1) {
        s += `<line class="event" x1="${X(t).toFixed(1)}" x2="${X(t).toFixed(1)}" y1="${m.t}" y2="${H - m.b}"/>`;
      }
      for (const th of opt.thresholds || []) if (th.value >= y0 && th.value <= y1) {
        const y = Y(th.value).toFixed(1);
        s += `<line class="thr" stroke="${th.color}" x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}"/>`;
        s += `<text class="halo" x="${m.l + 4}" y="${(Y(th.value) - 4).toFixed(1)}" style="fill:${th.color}">${esc(th.label)} ${esc(fmt(th.value))}</text>`;
      }
      for (const se of opt.series) {
        let d = "", pen = false, last = null;
        for (const [t, v] of se.points) {
          if (!isNum(v)) { pen = false; continue; }
          d += (pen ? "L" : "M") + X(t).toFixed(1) + "," + Y(v).toFixed(1); pen = true; last = [t, v];
        }
        if (!d) continue;
        s += `<path d="${d}" fill="none" stroke="${se.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"${se.dash ? ' stroke-dasharray="6 4"' : ""}/>`;
        s += `<circle cx="${X(last[0]).toFixed(1)}" cy="${Y(last[1]).toFixed(1)}" r="3" fill="${se.color}"/>`;
      }
      s += `<line class="cursor hidden" y1="${m.t}" y2="${H - m.b}"/></svg><div class="tooltip hidden"></div>`;
      const legend = opt.series.map(se => {
        const last = [...se.points].reverse().find(p => isNum(p[1]));
        return `<span><i style="background:${se.color}"></i>${esc(se.name)} <b>${last ? esc(fmt(last[1])) : "–"}</b></span>`;
      }).join("");
      el.innerHTML = `<div class="legend">${legend}</div>` + s;
      attachHover(el, opt, {W, m, x0, x1, X, fmt});
    }

    function attachHover(el, opt, g) {
      const svg = el.querySelector("svg"), cursor = svg.querySelector(".cursor"), tip = el.querySelector(".tooltip");
      svg.addEventListener("mousemove", ev => {
        const r = svg.getBoundingClientRect(), px = (ev.clientX - r.left) * g.W / r.width;
        const t = g.x0 + (px - g.m.l) / (g.W - g.m.l - g.m.r) * (g.x1 - g.x0);
        const rows = [];
        let at = null;
        for (const se of opt.series) {
          let best = null;
          for (const p of se.points) if (isNum(p[1]) && (!best || Math.abs(p[0] - t) < Math.abs(best[0] - t))) best = p;
          if (best) { rows.push(`${esc(se.name)}: <b>${esc(g.fmt(best[1]))}</b>`); at = at ?? best[0]; }
        }
        if (at === null) return;
        cursor.setAttribute("x1", g.X(at)); cursor.setAttribute("x2", g.X(at)); cursor.classList.remove("hidden");
        tip.innerHTML = `${esc(clock(at))}<br>${rows.join("<br>")}`;
        tip.classList.remove("hidden");
        const left = Math.min(ev.clientX - r.left + 12, r.width - tip.offsetWidth - 4);
        tip.style.left = `${Math.max(0, left)}px`; tip.style.top = `${ev.clientY - r.top + 8}px`;
      });
      svg.addEventListener("mouseleave", () => { cursor.classList.add("hidden"); tip.classList.add("hidden"); });
    }

    /// rows: [{label, bars: [{value, color, text}]}]; opt: {thresholds, max, format, empty, legend}
    function barChart(el, rows, opt) {
      const W = Math.max(300, Math.floor(el.clientWidth || 520)), per = rows[0] ? rows[0].bars.length : 1;
      const rowH = per > 1 ? 10 * per + 10 : 20, m = {l: 112, r: 56, t: 6, b: 20};
      if (!rows.length) {
        el.innerHTML = `<div class="empty" style="height:${opt.height || 200}px">${esc(opt.empty || "No data yet")}</div>`;
        return;
      }
      const H = m.t + m.b + rows.length * rowH, fmt = opt.format || (v => String(v));
      let max = Math.max(opt.max || 0, ...rows.flatMap(r => r.bars.map(b => isNum(b.value) ? b.value : 0)));
      for (const th of opt.thresholds || []) max = Math.max(max, th.value * 1.15);
      if (max <= 0) max = 1;
      const X = v => m.l + v / max * (W - m.l - m.r);
      let s = `<svg class="chart-svg" viewBox="0 0 ${W} ${H}" role="img">`;
      for (const v of niceTicks(0, max, 4)) {
        s += `<line class="grid" x1="${X(v).toFixed(1)}" x2="${X(v).toFixed(1)}" y1="${m.t}" y2="${H - m.b}"/>`;
        s += `<text x="${X(v).toFixed(1)}" y="${H - 6}" text-anchor="middle">${esc(fmt(v))}</text>`;
      }
      // Threshold lines first, so the value labels (with a halo) stay readable on top of them.
      for (const th of opt.thresholds || []) {
        const x = X(th.value).toFixed(1);
        s += `<line class="thr" stroke="${th.color}" x1="${x}" x2="${x}" y1="${m.t}" y2="${H - m.b}"/>`;
      }
      rows.forEach((row, i) => {
        const y = m.t + i * rowH, bh = per > 1 ? 9 : 12;
        const label = row.label.length > 16 ? row.label.slice(0, 15) + "…" : row.label;
        s += `<text x="${m.l - 8}" y="${(y + rowH / 2 + 4).toFixed(1)}" text-anchor="end"><title>${esc(row.label)}</title>${esc(label)}</text>`;
        row.bars.forEach((b, j) => {
          const by = y + (rowH - per * (bh + 1)) / 2 + j * (bh + 1), v = isNum(b.value) ? b.value : 0;
          s += `<rect x="${m.l}" y="${by.toFixed(1)}" width="${Math.max(1, X(v) - m.l).toFixed(1)}" height="${bh}" rx="2" fill="${b.color}"><title>${esc(b.text ?? fmt(v))}</title></rect>`;
          s += `<text class="halo" x="${(X(v) + 5).toFixed(1)}" y="${(by + bh - 2).toFixed(1)}">${esc(b.text ?? fmt(v))}</text>`;
        });
      });
      s += "</svg>";
      const legend = (opt.legend || []).map(l => `<span><i style="background:${l.color}"></i>${esc(l.name)}</span>`).join("");
      el.innerHTML = (legend ? `<div class="legend">${legend}</div>` : "") + s;
    }
    """#
}
