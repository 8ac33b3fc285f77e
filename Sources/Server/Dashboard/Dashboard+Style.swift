extension Dashboard {
    /// CSS: one neutral light theme (dark when the system asks), severity colours shared with
    /// the charts (ok green, warn amber, alert red).
    static let style = #"""
    :root {
      --bg: #f4f6f9; --panel: #ffffff; --border: #e3e7ee; --text: #1b2330; --muted: #667085;
      --accent: #4f46e5; --accent-soft: #eef0ff; --top: #0f172a; --top-text: #e2e8f0;
      --ok: #16a34a; --ok-soft: #e7f6ec; --warn: #d97706; --warn-soft: #fdf3e1; --alert: #dc2626; --alert-soft: #fdeaea;
      --grid: #edf0f4; --shadow: 0 1px 2px rgba(16, 24, 40, .05);
      --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
    }
    @media (prefers-color-scheme: dark) {
      :root {
        --bg: #0b1120; --panel: #111827; --border: #1f2937; --text: #e5e7eb; --muted: #9ca3af;
        --accent: #818cf8; --accent-soft: #1e1b4b; --top: #020617; --grid: #1f2937;
        --ok-soft: #052e16; --warn-soft: #3b2405; --alert-soft: #3b0a0a;
      }
    }
    * { box-sizing: border-box; }
    html, body { margin: 0; background: var(--bg); color: var(--text);
      font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
    .topbar { display: flex; align-items: center; justify-content: space-between; gap: 16px; padding: 12px 24px;
      background: var(--top); color: var(--top-text); position: sticky; top: 0; z-index: 5; }
    .brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 17px; letter-spacing: .2px; }
    .brand .sub { font-weight: 400; color: #94a3b8; font-size: 13px; }
    .top-meta { display: flex; align-items: center; gap: 14px; font-size: 13px; color: #cbd5e1; flex-wrap: wrap; }
    .top-meta b { color: #f8fafc; font-weight: 600; }
    .pill { display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px; border-radius: 999px;
      font-size: 12px; font-weight: 600; background: #334155; color: #e2e8f0; }
    .pill::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
    .pill.ok { background: rgba(22, 163, 74, .18); color: #4ade80; }
    .pill.warn { background: rgba(217, 119, 6, .2); color: #fbbf24; }
    .pill.alert { background: rgba(220, 38, 38, .2); color: #f87171; }
    main { padding: 20px 24px 40px; max-width: 1480px; margin: 0 auto; }
    .banner { margin: 0 0 16px; padding: 10px 14px; border-radius: 8px; background: var(--alert-soft);
      color: var(--alert); border: 1px solid rgba(220, 38, 38, .3); font-weight: 500; }
    .hidden { display: none !important; }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-bottom: 18px; }
    .card { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 12px 16px; box-shadow: var(--shadow); }
    .card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .5px; }
    .card .v { font-size: 24px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
    .card .s { color: var(--muted); font-size: 12px; }
    .tabs { display: flex; gap: 4px; border-bottom: 1px solid var(--border); margin-bottom: 16px; flex-wrap: wrap; }
    .tab { appearance: none; border: 0; background: none; padding: 9px 14px; font: inherit; color: var(--muted);
      cursor: pointer; border-bottom: 2px solid transparent; margin-bottom: -1px; display: flex; align-items: center; gap: 8px; }
    .tab:hover { color: var(--text); }
    .tab.active { color: var(--accent); border-bottom-color: var(--accent); font-weight: 600; }
    .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--ok); display: inline-block; }
    .dot.warn { background: var(--warn); } .dot.alert { background: var(--alert); }
    .grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
    @media (max-width: 980px) { .grid { grid-template-columns: minmax(0, 1fr); } }
    @media (max-width: 720px) {
      .topbar { flex-direction: column; align-items: flex-start; position: static; padding: 12px 14px; }
      .top-meta { gap: 6px 12px; }
      main { padding: 14px 12px 32px; }
      .panel { overflow-x: auto; }
    }
    .panel { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 14px 16px 12px;
      box-shadow: var(--shadow); min-width: 0; }
    .panel.wide { grid-column: 1 / -1; }
    .panel h2 { margin: 0 0 10px; font-size: 14px; font-weight: 620; display: flex; align-items: center;
      justify-content: space-between; gap: 8px; }
    .panel h2 .hint { font-weight: 400; color: var(--muted); font-size: 12px; }
    .kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px 18px; }
    .kpi .k { color: var(--muted); font-size: 12px; }
    .kpi .v { font-size: 18px; font-weight: 620; font-variant-numeric: tabular-nums; }
    .kpi .v small { font-size: 12px; color: var(--muted); font-weight: 500; }
    .chart { position: relative; }
    .chart-svg { display: block; width: 100%; height: auto; overflow: visible; }
    .chart-svg text { font-size: 11px; fill: var(--muted); font-variant-numeric: tabular-nums; }
    .chart-svg .grid { stroke: var(--grid); stroke-width: 1; }
    .chart-svg .halo { paint-order: stroke; stroke: var(--panel); stroke-width: 3px; stroke-linejoin: round; }
    .chart-svg .axis { stroke: var(--border); }
    .chart-svg .thr { stroke-width: 1.2; stroke-dasharray: 5 4; }
    .chart-svg .event { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 2 3; opacity: .7; }
    .chart-svg .cursor { stroke: var(--muted); stroke-width: 1; }
    .legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12px; color: var(--muted); margin: -2px 0 4px; }
    .legend i { display: inline-block; width: 14px; height: 3px; border-radius: 2px; vertical-align: middle; margin-right: 5px; }
    .legend b { color: var(--text); font-weight: 600; font-variant-numeric: tabular-nums; }
    .tooltip { position: absolute; pointer-events: none; background: var(--top); color: #f1f5f9; font-size: 12px;
      padding: 6px 8px; border-radius: 6px; white-space: nowrap; box-shadow: 0 4px 12px rgba(0,0,0,.2); z-index: 3; }
    .empty { display: flex; align-items: center; justify-content: center; color: var(--muted); font-size: 13px;
      border: 1px dashed var(--border); border-radius: 8px; }
    table { width: 100%; border-collapse: collapse; font-size: 13px; }
    th { text-align: left; color: var(--muted); font-weight: 550; font-size: 12px; padding: 6px 8px; border-bottom: 1px solid var(--border); white-space: nowrap; }
    td { padding: 7px 8px; border-bottom: 1px solid var(--grid); vertical-align: middle; font-variant-numeric: tabular-nums; }
    tr.live td { background: var(--accent-soft); }
    td.num, th.num { text-align: right; }
    td.reason { color: var(--muted); max-width: 320px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .mono { font-family: var(--mono); font-size: 12.5px; }
    .badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11.5px; font-weight: 600;
      background: var(--grid); color: var(--muted); text-transform: lowercase; }
    .badge.ok, .badge.live { background: var(--ok-soft); color: var(--ok); }
    .badge.warn, .badge.candidate { background: var(--warn-soft); color: var(--warn); }
    .badge.alert, .badge.rejected { background: var(--alert-soft); color: var(--alert); }
    .badge.retired, .badge.superseded, .badge.info { background: var(--grid); color: var(--muted); }
    .badge.livemark { background: var(--accent); color: #fff; text-transform: uppercase; font-size: 10px; letter-spacing: .6px; margin-left: 6px; }
    .btn { appearance: none; border: 1px solid var(--border); background: var(--panel); color: var(--text); font: inherit;
      font-size: 12.5px; padding: 4px 11px; border-radius: 6px; cursor: pointer; font-weight: 550; }
    .btn:hover { border-color: var(--accent); color: var(--accent); }
    .btn.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
    .btn.primary:hover { filter: brightness(1.08); color: #fff; }
    .btn.danger { color: var(--alert); }
    .btn.danger:hover { border-color: var(--alert); }
    .btn.ghost { background: transparent; color: #e2e8f0; border-color: #334155; }
    .btn.ghost:hover { border-color: #94a3b8; color: #fff; }
    .events { list-style: none; margin: 0; padding: 0; max-height: 232px; overflow: auto; font-size: 13px; }
    .events li { display: flex; gap: 10px; padding: 6px 2px; border-bottom: 1px solid var(--grid); align-items: baseline; }
    .events time { color: var(--muted); font-family: var(--mono); font-size: 12px; flex: none; }
    dialog { border: 1px solid var(--border); border-radius: 12px; padding: 0; width: min(440px, 92vw);
      background: var(--panel); color: var(--text); box-shadow: 0 20px 50px rgba(0,0,0,.25); }
    dialog::backdrop { background: rgba(15, 23, 42, .45); }
    dialog form { padding: 18px 20px 16px; display: grid; gap: 12px; }
    dialog h3 { margin: 0; font-size: 16px; }
    dialog p { margin: 0; color: var(--muted); }
    dialog label { display: grid; gap: 4px; font-size: 12.5px; color: var(--muted); font-weight: 550; }
    dialog input { font: inherit; padding: 7px 9px; border: 1px solid var(--border); border-radius: 6px;
      background: var(--bg); color: var(--text); }
    dialog .actions { display: flex; justify-content: flex-end; gap: 8px; margin-top: 4px; }
    dialog .error { color: var(--alert); font-size: 13px; }
    .toast { position: fixed; right: 20px; bottom: 20px; background: var(--top); color: #f8fafc; padding: 10px 14px;
      border-radius: 8px; box-shadow: 0 8px 24px rgba(0,0,0,.25); font-size: 13px; max-width: 420px; z-index: 10; }
    .toast.bad { background: var(--alert); }
    footer { color: var(--muted); font-size: 12px; text-align: center; padding: 8px 0 24px; }
    """#
}
