// The planning grid: spreadsheet-like editing over HTMX.
// Entered cells (td.in) edit in place; Enter/Tab/arrows move, Escape cancels, a pasted
// tab-separated block fills several cells. Each save posts the cell with the row version it
// was read at; the server answers with the edited line re-rendered (out-of-band swaps).
(function () {
  "use strict";
  const table = document.getElementById("plan-grid");
  if (!table) return;
  const panel = document.getElementById("cell-panel");
  let active = null; // the id of the selected cell, kept across re-renders
  let editor = null;

  // 400 (bad input) and 409 (conflict) carry the re-rendered line and the message: swap them.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "(400|403|409)", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];

  const cellsIn = (row) => Array.from(row.querySelectorAll("td.in, td.out"));
  const byId = (id) => (id ? document.getElementById(id) : null);
  // Week cells carry "2026-W05"; month, quarter and season totals "M3", "Q1", "season".
  const isWeek = (td) => Boolean(td && td.dataset.period && td.dataset.period.includes("-W"));
  const rowLabel = (td) => td.parentElement.querySelector("th.measure").textContent.trim();
  const weekLabel = (td) => td.dataset.period.split("-")[1];

  // A refusal found here (before anything is sent) goes to the same bar as the server's.
  function showMessage(text) {
    const bar = document.getElementById("grid-message");
    bar.textContent = text;
    bar.classList.toggle("error", Boolean(text));
  }

  // After the Back button the browser may show this page from its memory (bfcache) with the
  // row versions read before the planner's own later edits: the next edit would conflict with
  // them. Reload it (the page itself is sent with Cache-Control: no-store).
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });

  // Submitting a plan with weeks of negative receipts asks first (the list is the warning box,
  // kept current after each edit); the planner may still submit.
  document.querySelectorAll("form[data-confirm-warnings]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const box = document.getElementById(form.dataset.confirmWarnings);
      if (!box || box.hidden) return;
      const text = box.innerText.trim();
      if (!window.confirm(`${text}\n\nSubmit for approval anyway? The approver sees this list.`)) event.preventDefault();
    });
  });

  function select(td, focus = true) {
    if (!td) return;
    table.querySelectorAll("td.active").forEach((c) => c.classList.remove("active"));
    td.classList.add("active");
    active = td.id;
    if (focus) td.focus({ preventScroll: false });
    showPanel(td);
  }

  function showPanel(td) {
    if (td.dataset.node) {
      // A detail cell has no cell history of its own: its changes are the class line's.
      panel.innerHTML = "<p class=\"muted\">A subclass (or a subclass in a channel) over this column: a value typed here spreads to its region leaves by their current values, to the cent, and the class line follows. Its changes show in the class line's history.</p>";
      return;
    }
    const params = new URLSearchParams({ line: td.dataset.line, week: td.dataset.period, measure: td.dataset.measure });
    const url = (td.classList.contains("in") ? table.dataset.historyUrl : table.dataset.explainUrl) + "?" + params;
    // The panel is its own source, so its hx-sync="this:replace" aborts the request of a cell
    // selected before: a slower answer about that cell never overwrites the newer one.
    htmx.ajax("GET", url, { source: panel, target: panel, swap: "innerHTML" });
  }

  function neighbour(td, dRow, dCol) {
    const row = td.parentElement;
    if (dCol) {
      const cells = cellsIn(row);
      return cells[cells.indexOf(td) + dCol] || td;
    }
    const column = Array.from(row.children).indexOf(td);
    let next = dRow > 0 ? row.nextElementSibling : row.previousElementSibling;
    let section = row.parentElement;
    while (true) {
      while (next) {
        const candidate = next.children[column];
        if (candidate && (candidate.classList.contains("in") || candidate.classList.contains("out"))) return candidate;
        next = dRow > 0 ? next.nextElementSibling : next.previousElementSibling;
      }
      section = dRow > 0 ? section.nextElementSibling : section.previousElementSibling;
      if (!section || section.tagName !== "TBODY") return td;
      next = dRow > 0 ? section.firstElementChild : section.lastElementChild;
    }
  }

  function startEdit(td, initial) {
    if (!td.classList.contains("in") || editor) return;
    editor = document.createElement("input");
    editor.type = "text";
    editor.className = "cell-input";
    editor.value = initial !== undefined ? initial : td.dataset.raw;
    td.dataset.shown = td.innerHTML;
    td.innerHTML = "";
    td.appendChild(editor);
    editor.focus();
    if (initial === undefined) editor.select();
  }

  function cancelEdit(td) {
    if (!editor) return;
    td.innerHTML = td.dataset.shown;
    editor = null;
    td.focus();
  }

  function commit(td, move) {
    const value = editor.value.trim();
    const original = td.dataset.raw;
    editor = null;
    const next = move ? move() : td;
    if (value === original || value === "") {
      td.innerHTML = td.dataset.shown;
      select(next);
      return;
    }
    td.innerHTML = td.dataset.shown;
    td.classList.add("saving");
    active = next.id;
    if (td.dataset.node) {
      // A cell of a class's detail (a subclass, or a subclass in a channel): spread to its leaves.
      const line = td.closest("tbody").id.replace("line-", "");
      post(table.dataset.detailUrl, { line: line, node: td.dataset.node, location: td.dataset.location, period: td.dataset.period, measure: td.dataset.measure, value: value, expected: original });
      return;
    }
    post(table.dataset.cellsUrl, { line: td.dataset.line, week: td.dataset.period, measure: td.dataset.measure, value: value, row_version: td.dataset.version || "", expected: original });
  }

  // Saves answer with the lines re-rendered (out of band). Then the selected cell, or the one
  // the server refused (so the planner can type it again), is shown fresh in the side panel.
  function post(url, values) {
    table.querySelectorAll("td.error").forEach((cell) => cell.classList.remove("error"));
    // The tree's state (grid_tree.js): which lines are open, what the collapsed ones show.
    const tree = window.merchplanTree ? window.merchplanTree.state() : {};
    return htmx.ajax("POST", url, { values: Object.assign({}, values, tree), swap: "none", source: table }).then(() => {
      const refused = table.querySelector("td.error");
      if (refused) active = refused.id;
      const td = byId(active);
      if (td && !editor) showPanel(td);
    });
  }

  // The week cells of td's row from its column on: a block lands in the weeks and skips the
  // month, quarter and season totals between them, as the layout reads.
  function weeksFrom(td) {
    const cells = Array.from(td.parentElement.children);
    return cells.slice(cells.indexOf(td)).filter(isWeek);
  }

  // A block copied from a spreadsheet, all or nothing: the server refuses it whole if one
  // value is bad; here, a block that does not fit or covers calculated cells is refused.
  function pasteEdits(td, rows) {
    if (!isWeek(td)) return "Paste a block starting on a week: a month, quarter or season total takes one value at a time.";
    if (td.closest("tbody.total")) return "Paste into a class line: the plan total takes one value at a time and spreads it over the lines.";
    const edits = [];
    let rowCell = td;
    for (let index = 0; index < rows.length; index++) {
      if (index > 0) {
        const down = neighbour(rowCell, 1, 0);
        if (down === rowCell) return `Nothing was pasted: the block is ${rows.length} rows high and only ${index} fit from ${rowLabel(td)}.`;
        rowCell = down;
      }
      const values = rows[index].slice();
      while (values.length && values[values.length - 1].trim() === "") values.pop();
      const weeks = weeksFrom(rowCell);
      if (values.length > weeks.length) {
        return `Nothing was pasted: the block is ${values.length} weeks wide and only ${weeks.length} weeks are from ${weekLabel(td)} to the plan's end.`;
      }
      for (let column = 0; column < values.length; column++) {
        const value = values[column].trim();
        const cell = weeks[column];
        if (value === "") continue;
        if (!cell.classList.contains("in")) {
          return `Nothing was pasted: ${weekLabel(cell)} ${rowLabel(cell)} is calculated. Copy rows of entered cells (yellow), or leave its cells empty.`;
        }
        edits.push({ line: cell.dataset.line, week: cell.dataset.period, measure: cell.dataset.measure, value: value, row_version: cell.dataset.version, expected: cell.dataset.raw });
      }
    }
    return edits.length ? edits : "Nothing was pasted: the block is empty.";
  }

  function paste(td, text) {
    const rows = text.replace(/\r/g, "").replace(/\n$/, "").split("\n").map((line) => line.split("\t"));
    const edits = pasteEdits(td, rows);
    if (typeof edits === "string") {
      showMessage(edits);
      return;
    }
    post(table.dataset.cellsUrl, { edits: JSON.stringify(edits) });
  }

  // The bubble of a refused cell hangs over the cell below: it goes at the next key or click,
  // and never takes the click itself (CSS pointer-events). The message bar keeps the text.
  const dismissBubbles = () => table.querySelectorAll(".cell-error").forEach((bubble) => bubble.remove());
  table.addEventListener("mousedown", dismissBubbles, true);
  table.addEventListener("keydown", dismissBubbles, true);

  table.addEventListener("click", (event) => {
    const td = event.target.closest("td.in, td.out");
    if (td && !td.contains(editor)) select(td);
  });
  table.addEventListener("dblclick", (event) => {
    const td = event.target.closest("td.in");
    if (td) startEdit(td);
  });

  table.addEventListener("keydown", (event) => {
    const td = event.target.closest("td");
    if (!td) return;
    if (editor) {
      if (event.key === "Escape") { event.preventDefault(); cancelEdit(td); }
      else if (event.key === "Enter") { event.preventDefault(); commit(td, () => neighbour(td, event.shiftKey ? -1 : 1, 0)); }
      else if (event.key === "Tab") { event.preventDefault(); commit(td, () => neighbour(td, 0, event.shiftKey ? -1 : 1)); }
      else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
        event.preventDefault();
        commit(td, () => neighbour(td, event.key === "ArrowUp" ? -1 : 1, 0));
      }
      return;
    }
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Enter: [1, 0] };
    if (event.altKey && (event.key === "l" || event.key === "L") && td.classList.contains("in") && td.dataset.version) {
      event.preventDefault();
      const values = { line: td.dataset.line, week: td.dataset.period, measure: td.dataset.measure, locked: td.classList.contains("locked") ? "0" : "1" };
      post(table.dataset.lockUrl, values);
      return;
    }
    if (event.key === "Tab") { event.preventDefault(); select(neighbour(td, 0, event.shiftKey ? -1 : 1)); }
    else if (event.key === "F2") { event.preventDefault(); startEdit(td); }
    else if (moves[event.key]) { event.preventDefault(); select(neighbour(td, ...moves[event.key])); }
    else if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey && td.classList.contains("in")) {
      event.preventDefault();
      startEdit(td, event.key);
    }
  });

  table.addEventListener("paste", (event) => {
    const td = event.target.closest("td.in");
    if (!td || editor) return;
    event.preventDefault();
    paste(td, (event.clipboardData || window.clipboardData).getData("text"));
  });

  // After a save the line is new HTML: select the cell the planner moved to.
  document.body.addEventListener("htmx:afterSettle", () => {
    const td = byId(active);
    if (td && !editor && document.activeElement && !document.activeElement.closest(".cell-panel")) {
      td.classList.add("active");
      td.focus({ preventScroll: true });
    }
  });

  document.getElementById("toggle-compare").addEventListener("change", (event) => {
    table.classList.toggle("show-compare", event.target.checked);
  });
})();
