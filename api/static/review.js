// mt-audit review page: decisions over fetch, keyboard shortcuts. No build step, no framework.
(function () {
  "use strict";
  const list = document.getElementById("segments");
  if (!list) return;
  const baseUrl = list.dataset.url;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const message = document.getElementById("message");
  let current = null;
  let busy = false;

  const all = () => Array.from(list.querySelectorAll(".seg"));
  const flagged = () => all().filter((s) => s.classList.contains("flagged"));

  function select(seg, scroll) {
    if (!seg) return;
    if (current) current.classList.remove("current");
    current = seg;
    seg.classList.add("current");
    if (scroll !== false) seg.scrollIntoView({ block: "nearest" });
  }

  function move(step, everySentence) {
    const items = everySentence ? all() : flagged();
    if (!items.length) return;
    let index = items.indexOf(current);
    if (index < 0) {
      // From an unflagged sentence: go to the nearest one in document order.
      const order = all();
      const pos = order.indexOf(current);
      const after = items.filter((s) => order.indexOf(s) > pos);
      select(step > 0 ? after[0] || items[items.length - 1] : items.filter((s) => order.indexOf(s) < pos).pop() || items[0]);
      return;
    }
    select(items[Math.min(items.length - 1, Math.max(0, index + step))]);
  }

  function say(text) {
    message.textContent = text || "";
  }

  function fmt(value, digits) {
    return Number(value || 0).toFixed(digits);
  }

  function updateTotals(t) {
    document.getElementById("progress-text").textContent =
      t.flagged_decided + " / " + t.flagged + " flagged sentences decided";
    document.getElementById("progress-bar").style.width = (t.flagged ? (100 * t.flagged_decided) / t.flagged : 100) + "%";
    document.getElementById("t-effort-ratio").textContent = fmt(t.effort_char_ratio, 3);
    document.getElementById("t-effort-ter").textContent = fmt(t.effort_ter, 1);
    document.getElementById("t-proposal-ratio").textContent = fmt(t.proposal_char_ratio, 3);
    document.getElementById("t-proposal-ter").textContent = fmt(t.proposal_ter, 1);
    const effort = document.querySelector("#totals div:nth-child(2)");
    if (effort) effort.firstChild.textContent = "Post-edit effort (" + t.decided + " decided): chars ";
  }

  async function send(seg, decision, text) {
    if (busy) return;
    busy = true;
    seg.setAttribute("aria-busy", "true");
    const body = { decision: decision, version: Number(seg.dataset.version) };
    if (text !== undefined) body.text = text;
    try {
      const response = await fetch(baseUrl + seg.dataset.id, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        const error = (data && data.error) || {};
        if (response.status === 409) {
          say("Conflict: " + (error.message || "someone else saved this sentence first") + ".");
          seg.classList.add("conflict");
        } else if (response.status === 401) {
          say("Your session has ended: log in again (nothing was saved).");
        } else {
          say("Not saved: " + (error.message || response.status));
        }
        return;
      }
      // The server has committed the decision: only now does the page show it.
      const holder = document.createElement("div");
      holder.innerHTML = data.html.trim();
      const fresh = holder.firstElementChild;
      seg.replaceWith(fresh);
      if (current === seg) select(fresh, false);
      updateTotals(data.totals);
      say("");
      if (decision !== "undo" && decision !== "edit" && fresh.classList.contains("flagged")) move(1, false);
    } catch (err) {
      say("Not saved: the server cannot be reached (" + err + ").");
    } finally {
      busy = false;
      seg.removeAttribute("aria-busy");
    }
  }

  function openEditor(seg) {
    const editor = seg.querySelector(".editor");
    editor.hidden = false;
    const box = editor.querySelector("textarea");
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  function closeEditor(seg) {
    seg.querySelector(".editor").hidden = true;
    seg.focus();
  }

  function act(seg, action) {
    if (!seg) return;
    select(seg, false);
    if (action === "edit") return openEditor(seg);
    if (action === "cancel") return closeEditor(seg);
    if (action === "save") return send(seg, "edit", seg.querySelector("textarea").value);
    if (action === "undo" && seg.dataset.status === "open") return say("Nothing to undo on this sentence.");
    return send(seg, action);
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    const seg = event.target.closest(".seg");
    if (button) act(seg, button.dataset.action);
    else if (seg && !event.target.closest("textarea")) select(seg, false);
  });

  list.addEventListener("keydown", (event) => {
    if (event.target.tagName !== "TEXTAREA") return;
    const seg = event.target.closest(".seg");
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      act(seg, "save");
    } else if (event.key === "Escape") {
      event.preventDefault();
      act(seg, "cancel");
    }
  });

  document.addEventListener("keydown", (event) => {
    const tag = event.target.tagName;
    if (tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT" || event.ctrlKey || event.metaKey || event.altKey) return;
    const actions = { a: "accept", e: "edit", r: "reject", u: "undo" };
    if (event.key === "j" || event.key === "J") move(1, event.key === "J");
    else if (event.key === "k" || event.key === "K") move(-1, event.key === "K");
    else if (actions[event.key]) act(current, actions[event.key]);
    else return;
    event.preventDefault();
  });

  select(flagged()[0] || all()[0], false);
})();
