extension Dashboard {
    /// User actions: adapter tabs, the token, promote and rollback (confirmed in a dialog), and
    /// start-up. The token lives in `sessionStorage`, so it is gone when the tab closes.
    static let actionsScript = #"""
    let dialogAction = null;

    function toast(text, bad) {
      const el = $("toast");
      el.textContent = text; el.className = "toast" + (bad ? " bad" : "");
      clearTimeout(toast.timer);
      toast.timer = setTimeout(() => el.classList.add("hidden"), 5000);
    }

    /// Opens the dialog; `action(token, reason)` runs on confirm and may throw to keep it open.
    function openDialog({title, text, reason, confirm, action}) {
      const token = sessionStorage.getItem(TOKEN_KEY);
      $("dlg-title").textContent = title;
      $("dlg-text").textContent = text;
      $("dlg-token").value = "";
      $("dlg-reason").value = "";
      $("dlg-token-row").classList.toggle("hidden", !!token && !!reason);
      $("dlg-reason-row").classList.toggle("hidden", !reason);
      $("dlg-error").classList.add("hidden");
      $("dlg-ok").textContent = confirm || "Confirm";
      dialogAction = action;
      $("dlg").showModal();
      (token || !reason ? (reason ? $("dlg-reason") : $("dlg-token")) : $("dlg-token")).focus();
    }

    $("dlg-form").addEventListener("submit", async ev => {
      ev.preventDefault();
      const typed = $("dlg-token").value.trim();
      if (typed) sessionStorage.setItem(TOKEN_KEY, typed);
      const ok = $("dlg-ok");
      ok.disabled = true;
      try {
        await dialogAction(sessionStorage.getItem(TOKEN_KEY), $("dlg-reason").value.trim());
        $("dlg").close();
      } catch (e) {
        if (e.status === 401) { sessionStorage.removeItem(TOKEN_KEY); $("dlg-token-row").classList.remove("hidden"); }
        $("dlg-error").textContent = e.message;
        $("dlg-error").classList.remove("hidden");
      } finally {
        ok.disabled = false;
        renderTop();
      }
    });
    $("dlg-cancel").addEventListener("click", () => $("dlg").close());

    async function mutate(adapter, verb, body, token) {
      if (!token) { const e = new Error("Enter the API token first."); e.status = 401; throw e; }
      const result = await getJSON(`/v1/adapters/${encodeURIComponent(adapter)}/${verb}`, {
        method: "POST", body: JSON.stringify(body),
        headers: {"Content-Type": "application/json", "Authorization": `Bearer ${token}`},
      });
      // The journal entry arrives with the next poll of /v1/events.
      toast(`${adapter}: version ${result.live.version} is live`);
      await loadVersions(adapter);
      return result;
    }

    function askPromote(adapter, version) {
      openDialog({title: `Promote ${adapter} ${version}?`, reason: true, confirm: "Promote",
        text: `Version ${version} becomes live immediately and serves every prediction of ${adapter}; the learner continues from it.`,
        action: (token, reason) => mutate(adapter, "promote", reason ? {version, reason} : {version}, token)});
    }

    function askRollback(adapter, version) {
      openDialog({title: version ? `Roll ${adapter} back to ${version}?` : `Roll ${adapter} back?`, reason: true, confirm: "Roll back",
        text: version ? `Version ${version} becomes live again; newer versions stay on disk.` : "The newest good version before the live one becomes live again.",
        action: (token, reason) => {
          const body = {};
          if (version) body.to = version;
          if (reason) body.reason = reason;
          return mutate(adapter, "rollback", body, token);
        }});
    }

    $("tabs").addEventListener("click", ev => {
      const tab = ev.target.closest("[data-adapter]");
      if (!tab) return;
      state.selected = tab.dataset.adapter;
      sessionStorage.setItem("streamlora.adapter", state.selected);
      render();
      loadVersions(state.selected);
    });

    $("versions").addEventListener("click", ev => {
      const b = ev.target.closest("[data-act]");
      if (!b || !state.selected) return;
      (b.dataset.act === "promote" ? askPromote : askRollback)(state.selected, b.dataset.version);
    });

    $("btn-rollback").addEventListener("click", () => { if (state.selected) askRollback(state.selected, null); });

    $("btn-token").addEventListener("click", () => {
      if (sessionStorage.getItem(TOKEN_KEY)) {
        sessionStorage.removeItem(TOKEN_KEY); toast("Token cleared from this tab"); renderTop(); return;
      }
      openDialog({title: "API token", confirm: "Save",
        text: "Promote and rollback need the agent's bearer token. It is kept in this tab only (sessionStorage).",
        action: async () => { if (!sessionStorage.getItem(TOKEN_KEY)) throw new Error("Enter a token."); toast("Token saved for this tab"); }});
    });

    let resizeTimer = null;
    window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => state.status && render(), 150); });
    poll();
    """#
}
