// mt-audit review page: decisions over fetch, keyboard shortcuts, filters, comments, conflicts.
// No build step, no framework. Every key action goes through one queue: keys pressed while a save
// runs are kept in order and run once it lands (a conflict clears the queue, and says so).
(function () {
  "use strict";
  const list = document.getElementById("segments");
  if (!list) return;
  const baseUrl = list.dataset.url;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const message = document.getElementById("message");
  const queueState = document.getElementById("queue-state");
  const help = document.getElementById("help");
  const MAX_QUEUE = 20;
  let current = null;
  let chain = Promise.resolve();
  let pending = 0;
  let generation = 0; // bumped by a conflict: queued actions of an older generation are dropped

  const all = () => Array.from(list.querySelectorAll(".seg:not(.filtered-out)"));
  const flagged = () => all().filter((s) => s.classList.contains("flagged"));
  const byId = (id) => document.getElementById("seg-" + id);

  function select(seg, scroll) {
    if (!seg) return;
    if (current) current.classList.remove("current");
    current = seg;
    seg.classList.add("current");
    if (scroll !== false) seg.scrollIntoView({ block: "center" });
  }

  function move(step, everySentence) {
    const items = everySentence ? all() : flagged();
    if (!items.length) return;
    let index = items.indexOf(current);
    if (index < 0) {
      // From a hidden or unflagged sentence: go to the nearest one in document order.
      const number = current ? Number(current.dataset.number) : 0;
      const after = items.filter((s) => Number(s.dataset.number) > number);
      const before = items.filter((s) => Number(s.dataset.number) < number);
      select(step > 0 ? after[0] || items[items.length - 1] : before.pop() || items[0]);
      return;
    }
    select(items[Math.min(items.length - 1, Math.max(0, index + step))]);
  }

  function nextOpen() {
    const items = flagged().filter((s) => s.dataset.status === "open");
    if (!items.length) return say("No open flagged sentence left" + (filtersActive() ? " among those shown." : "."));
    const number = current ? Number(current.dataset.number) : 0;
    select(items.find((s) => Number(s.dataset.number) > number) || items[0]);
  }

  function say(text) {
    message.textContent = text || "";
  }

  function showQueue() {
    queueState.textContent = pending > 1 ? "saving… " + (pending - 1) + " key(s) queued" : pending === 1 ? "saving…" : "";
  }

  // Run fn after everything queued before it; fn may return a promise.
  function enqueue(fn) {
    if (pending >= MAX_QUEUE) {
      say("Wait: " + pending + " actions are queued behind a slow save; this key was not taken.");
      return;
    }
    const mine = generation;
    pending += 1;
    showQueue();
    chain = chain
      .then(() => (mine === generation ? fn() : undefined))
      .catch((err) => say("Not saved: " + err))
      .finally(() => {
        pending -= 1;
        showQueue();
      });
  }

  function fmt(value, digits) {
    return Number(value || 0).toFixed(digits);
  }

  function updateTotals(t) {
    if (!t) return;
    document.getElementById("progress-text").textContent =
      t.flagged_decided + " / " + t.flagged + " flagged sentences decided";
    document.getElementById("progress-bar").style.width = (t.flagged ? (100 * t.flagged_decided) / t.flagged : 100) + "%";
    document.getElementById("t-effort-ratio").textContent = fmt(t.effort_char_ratio, 3);
    document.getElementById("t-effort-ter").textContent = fmt(t.effort_ter, 1);
    document.getElementById("t-proposal-ratio").textContent = fmt(t.proposal_char_ratio, 3);
    document.getElementById("t-proposal-ter").textContent = fmt(t.proposal_ter, 1);
    document.getElementById("t-decided").textContent = t.decided;
  }

  function replace(seg, html) {
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const fresh = holder.firstElementChild;
    seg.replaceWith(fresh);
    applyFilters(false);
    if (current === seg) select(fresh, false);
    return fresh;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    return { response, data };
  }

  function failure(response, data) {
    const error = (data && data.error) || {};
    if (response.status === 401) return "Your session has ended: log in again (nothing was saved).";
    return "Not saved: " + (error.message || response.status);
  }

  async function send(seg, decision, extra) {
    seg.setAttribute("aria-busy", "true");
    const body = Object.assign({ decision: decision, version: Number(seg.dataset.version) }, extra || {});
    try {
      const { response, data } = await post(baseUrl + seg.dataset.id, body);
      if (response.status === 409) return conflict(seg, body, data.error || {});
      if (!response.ok) return say(failure(response, data));
      // The server has committed the decision: only now does the page show it.
      const fresh = replace(seg, data.html);
      updateTotals(data.totals);
      say("");
      if (decision !== "undo" && decision !== "edit" && fresh.classList.contains("flagged")) move(1, false);
    } catch (err) {
      say("Not saved: the server cannot be reached (" + err + ").");
    } finally {
      seg.removeAttribute("aria-busy");
    }
  }

  // --- conflicts: theirs beside yours; take theirs, keep yours, or merge ---------------------------
  function conflict(seg, mine, error) {
    generation += 1; // keys queued behind the conflicting save were meant for a page that changed
    const dropped = pending - 1;
    const current409 = error.current || {};
    const holder = document.createElement("div");
    holder.innerHTML = (error.html || "").trim();
    const fresh = holder.firstElementChild ? replace(seg, error.html) : seg;
    fresh.classList.add("conflict");
    fresh.dataset.theirsVersion = current409.version;
    const yours = mine.decision === "edit" ? mine.text : mine.decision === "accept" ? "(accept the proposal)" : mine.decision === "reject" ? "(reject: keep the MT)" : "(undo)";
    fresh._mine = mine;
    const box = fresh.querySelector(".conflict-box");
    box.hidden = false;
    box.innerHTML = "";
    const title = document.createElement("p");
    title.innerHTML = "<b>Conflict.</b> ";
    title.appendChild(document.createTextNode(error.message || "Someone else saved this sentence first."));
    const side = document.createElement("div");
    side.className = "side";
    side.appendChild(column("Theirs (" + (current409.status || "?") + (current409.decided_by ? ", by " + current409.decided_by : "") + ")", current409.text || "", "theirs"));
    side.appendChild(column("Yours (" + mine.decision + ")", yours, "yours"));
    const buttons = document.createElement("p");
    buttons.innerHTML =
      '<button type="button" data-action="take-theirs">Take theirs (t)</button> ' +
      '<button type="button" data-action="keep-mine">Keep yours (y)</button> ' +
      '<button type="button" data-action="merge">Merge (m)</button>';
    box.append(title, side, buttons);
    select(fresh, true);
    say("Conflict on sentence " + fresh.dataset.number + ": t takes theirs, y keeps yours, m merges." + (dropped > 0 ? " " + dropped + " queued key(s) were dropped." : ""));
  }

  function column(label, text, css) {
    const div = document.createElement("div");
    div.className = css;
    const b = document.createElement("b");
    b.textContent = label;
    const p = document.createElement("p");
    p.textContent = text;
    div.append(b, p);
    return div;
  }

  function resolve(seg, how) {
    if (!seg.classList.contains("conflict")) return say("No conflict on this sentence.");
    const mine = seg._mine || {};
    const box = seg.querySelector(".conflict-box");
    if (how === "take-theirs") {
      box.hidden = true;
      seg.classList.remove("conflict");
      return say("Kept their version of sentence " + seg.dataset.number + ".");
    }
    if (how === "keep-mine") {
      const extra = {};
      ["text", "reason", "reason_text"].forEach((k) => { if (mine[k] !== undefined) extra[k] = mine[k]; });
      seg.classList.remove("conflict");
      box.hidden = true;
      return send(seg, mine.decision, extra);
    }
    // merge: the editor starts from theirs, with yours shown beside it
    const theirs = box.querySelector(".theirs p").textContent;
    const textarea = seg.querySelector(".edit-box");
    textarea.value = mine.decision === "edit" && mine.text ? mergeTexts(theirs, mine.text) : theirs;
    seg.classList.remove("conflict");
    openEditor(seg);
    say("Merge: edit the text (theirs and yours joined where they differ), Ctrl+Enter saves over their version.");
  }

  function mergeTexts(theirs, yours) {
    return theirs === yours ? theirs : theirs + " / " + yours;
  }

  // --- editing, rejecting, comments ----------------------------------------------------------------
  function openEditor(seg) {
    const editor = seg.querySelector(".editor");
    editor.hidden = false;
    const box = editor.querySelector("textarea");
    count(seg);
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  function count(seg) {
    const box = seg.querySelector(".edit-box");
    const counter = seg.querySelector(".counter");
    const max = Number(seg.dataset.maxEdit);
    const over = box.value.length > max;
    counter.textContent = box.value.length.toLocaleString() + " / " + max.toLocaleString() + " characters" + (over ? ": too long for one sentence" : "");
    counter.classList.toggle("over", over);
    return !over;
  }

  function close(seg, selector) {
    seg.querySelector(selector).hidden = true;
    seg.focus();
  }

  function save(seg) {
    if (!count(seg)) {
      const max = Number(seg.dataset.maxEdit);
      return say("Not saved: the edit has " + seg.querySelector(".edit-box").value.length.toLocaleString() +
        " characters and one sentence's edit may have at most " + max.toLocaleString() + ". Split long text over its sentences.");
    }
    return send(seg, "edit", { text: seg.querySelector(".edit-box").value });
  }

  function openReject(seg) {
    const box = seg.querySelector(".reject-box");
    box.hidden = false;
    box.querySelector("select").focus();
  }

  function confirmReject(seg) {
    const box = seg.querySelector(".reject-box");
    const reason = box.querySelector("select").value;
    const text = box.querySelector(".reason-text").value.trim();
    if (reason === "other" && !text) {
      box.querySelector(".reason-text").focus();
      return say("Say in a few words why (reason Other).");
    }
    box.hidden = true;
    seg.focus();
    const extra = { reason: reason };
    if (text) extra.reason_text = text;
    return send(seg, "reject", extra);
  }

  function openComment(seg) {
    const details = seg.querySelector(".comments");
    details.open = true;
    details.querySelector(".comment-box").focus();
  }

  async function postComment(seg) {
    const box = seg.querySelector(".comment-box");
    const body = box.value.trim();
    if (!body) return say("The comment is empty.");
    const { response, data } = await post(baseUrl + seg.dataset.id + "/comments", { body: body });
    if (!response.ok) return say(failure(response, data));
    const fresh = replace(seg, data.html);
    fresh.querySelector(".comments").open = true;
    fresh.focus();
    say("");
  }

  function act(seg, action) {
    if (!seg) return undefined;
    select(seg, false);
    switch (action) {
      case "edit": return openEditor(seg);
      case "cancel": return close(seg, ".editor");
      case "save": return save(seg);
      case "reject": return openReject(seg);
      case "reject-confirm": return confirmReject(seg);
      case "reject-cancel": return close(seg, ".reject-box");
      case "comment": return postComment(seg);
      case "comment-open": return openComment(seg);
      case "take-theirs": case "keep-mine": case "merge": return resolve(seg, action);
      case "undo":
        if (seg.dataset.status === "open") return say("Nothing to undo on this sentence.");
        return send(seg, "undo");
      default: return send(seg, action);
    }
  }

  // --- filters and search --------------------------------------------------------------------------
  const filterIds = ["f-severity", "f-category", "f-rule", "f-state", "f-search"];
  const field = (id) => document.getElementById(id);

  function filtersActive() {
    return filterIds.some((id) => field(id) && field(id).value);
  }

  function applyFilters(report) {
    const sev = field("f-severity").value;
    const cat = field("f-category").value;
    const rule = field("f-rule").value;
    const state = field("f-state").value;
    const needle = field("f-search").value.trim().toLowerCase();
    let shown = 0;
    const segs = Array.from(list.querySelectorAll(".seg"));
    segs.forEach((seg) => {
      const text = needle ? (seg.querySelector(".pair").textContent + " " + (seg.querySelector(".final-text") || { textContent: "" }).textContent).toLowerCase() : "";
      const ok =
        (!sev || seg.dataset.severities.split(" ").includes(sev)) &&
        (!cat || seg.dataset.categories.split("|").includes(cat)) &&
        (!rule || seg.dataset.rules.split("|").includes(rule)) &&
        (!state || seg.dataset.status === state) &&
        (!needle || text.includes(needle));
      seg.classList.toggle("filtered-out", !ok);
      if (ok) shown += 1;
    });
    field("f-count").textContent = filtersActive() ? shown + " of " + segs.length + " sentences shown" : "";
    if (report !== false && current && current.classList.contains("filtered-out")) move(1, true);
  }

  filterIds.forEach((id) => field(id).addEventListener(id === "f-search" ? "input" : "change", () => applyFilters(true)));

  // --- events --------------------------------------------------------------------------------------
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    const seg = event.target.closest(".seg");
    if (button) enqueue(() => act(seg, button.dataset.action));
    else if (seg && !event.target.closest("textarea, input, select, summary")) select(seg, false);
  });

  list.addEventListener("input", (event) => {
    if (event.target.classList.contains("edit-box")) count(event.target.closest(".seg"));
  });

  list.addEventListener("keydown", (event) => {
    const seg = event.target.closest(".seg");
    const tag = event.target.tagName;
    if (!seg || !["TEXTAREA", "INPUT", "SELECT"].includes(tag)) return;
    const inReject = event.target.closest(".reject-box");
    const inComment = event.target.classList.contains("comment-box");
    let action = null;
    if (event.key === "Escape") action = inReject ? "reject-cancel" : inComment ? null : "cancel";
    else if (inReject && event.key === "Enter") action = "reject-confirm";
    else if (inReject && tag === "SELECT" && /^[1-9]$/.test(event.key)) {
      const options = event.target.options;
      const index = Number(event.key) - 1;
      if (index < options.length) {
        event.target.selectedIndex = index;
        action = options[index].value === "other" ? null : "reject-confirm";
        if (!action) seg.querySelector(".reason-text").focus();
      }
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) action = inComment ? "comment" : "save";
    if (event.key === "Escape" && inComment) {
      event.preventDefault();
      seg.focus();
      return;
    }
    if (!action) return;
    event.preventDefault();
    enqueue(() => act(seg, action));
  });

  function toggleHelp(show) {
    help.hidden = !show;
    if (show) help.focus();
  }

  document.addEventListener("keydown", (event) => {
    const tag = event.target.tagName;
    if (!help.hidden && (event.key === "Escape" || event.key === "?")) {
      event.preventDefault();
      return toggleHelp(false);
    }
    if (event.target.closest && event.target.closest("#filters") && event.key === "Escape") {
      event.preventDefault();
      event.target.blur();
      return select(current || all()[0], true);
    }
    if (tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT" || event.ctrlKey || event.metaKey || event.altKey) return;
    const actions = { a: "accept", e: "edit", r: "reject", u: "undo", c: "comment-open", t: "take-theirs", y: "keep-mine", m: "merge" };
    const key = event.key;
    if (key === "?") toggleHelp(true);
    else if (key === "/") field("f-search").focus();
    else if (key === "j" || key === "J") enqueue(() => move(1, key === "J"));
    else if (key === "k" || key === "K") enqueue(() => move(-1, key === "K"));
    else if (key === "n") enqueue(() => nextOpen());
    else if (actions[key]) enqueue(() => act(current, actions[key]));
    else return;
    event.preventDefault();
  });

  // Reopening a half-done document resumes at its first open flagged sentence.
  const first = flagged().find((s) => s.dataset.status === "open") || flagged()[0] || all()[0];
  select(first, first && first !== flagged()[0]);
})();
