// The plan grid as a tree: class lines collapsed to one row of the picked measure, opened on
// demand (one small GET per line), a line search, "go to this week" and undo of the last edit.
// grid.js sends `state()` with every save so the server re-renders each line as it is shown.
(function () {
  "use strict";
  const table = document.getElementById("plan-grid");
  if (!table) return;
  const picker = document.getElementById("summary-measure");
  const search = document.getElementById("line-search");
  const count = document.getElementById("line-count");
  const wrap = table.closest(".grid-wrap");

  const classLines = () => Array.from(table.querySelectorAll("tbody.line:not(.total)"));
  const lineId = (tbody) => tbody.id.replace("line-", "");
  const lineUrl = (id) => table.dataset.lineUrl.replace(/\/0\/$/, `/${id}/`);

  function state() {
    const open = classLines().filter((tbody) => !tbody.classList.contains("collapsed")).map(lineId);
    const details = classLines().filter((tbody) => tbody.querySelector("tr.detail")).map(lineId);
    return { tree: "1", open: open.join(","), summary: picker ? picker.value : "sales", details: details.join(",") };
  }
  window.merchplanTree = { state: state };

  function show(tbody, open) {
    const query = open ? "" : `?collapsed=1&summary=${encodeURIComponent(state().summary)}`;
    return htmx.ajax("GET", lineUrl(lineId(tbody)) + query, { target: `#${tbody.id}`, swap: "outerHTML" }).then(filter);
  }

  // A class's detail rows (by subclass and channel) open and close with the line re-read.
  table.addEventListener("click", (event) => {
    const button = event.target.closest(".detail-open");
    if (!button) return;
    event.preventDefault();
    const tbody = button.closest("tbody");
    const query = button.getAttribute("aria-expanded") === "true" ? "" : "?detail=1";
    htmx.ajax("GET", lineUrl(lineId(tbody)) + query, { target: `#${tbody.id}`, swap: "outerHTML" });
  });

  table.addEventListener("click", (event) => {
    const button = event.target.closest(".tree-toggle");
    if (!button) return;
    event.preventDefault();
    show(button.closest("tbody"), button.getAttribute("aria-expanded") !== "true");
  });

  // The search hides the lines whose code and name do not contain what is typed.
  function filter() {
    const words = (search ? search.value : "").trim().toLowerCase();
    let shown = 0;
    const lines = classLines();
    lines.forEach((tbody) => {
      const name = tbody.querySelector(".tree-toggle");
      const hit = !words || (name && name.textContent.toLowerCase().includes(words));
      tbody.hidden = !hit;
      if (hit) shown += 1;
    });
    if (count) count.textContent = words ? `${shown} of ${lines.length} lines` : `${lines.length} lines`;
  }
  if (search) search.addEventListener("input", filter);

  document.getElementById("expand-shown").addEventListener("click", () => {
    const shut = classLines().filter((tbody) => !tbody.hidden && tbody.classList.contains("collapsed"));
    // One at a time: each answer is a line of the grid, and the server is not flooded.
    shut.slice(0, 50).reduce((chain, tbody) => chain.then(() => show(tbody, true)), Promise.resolve());
  });
  document.getElementById("collapse-all").addEventListener("click", () => {
    const open = classLines().filter((tbody) => !tbody.classList.contains("collapsed"));
    open.reduce((chain, tbody) => chain.then(() => show(tbody, false)), Promise.resolve());
  });

  if (picker) {
    picker.addEventListener("change", () => {
      const url = new URL(window.location.href);
      url.searchParams.set("measure", picker.value);
      window.location.assign(url.toString());
    });
  }

  // The grid opens at this week, not at the first week of the span.
  const goTo = document.getElementById("go-to-week");
  function toThisWeek() {
    const th = table.querySelector("thead th.current");
    const sticky = table.querySelector("thead th.measure");
    if (th && wrap) wrap.scrollLeft = th.offsetLeft - (sticky ? sticky.offsetWidth : 0);
  }
  if (goTo) goTo.addEventListener("click", toThisWeek);
  toThisWeek();

  // Undo: the server takes back the planner's last save (one level) and answers with the lines.
  const undo = document.getElementById("undo-last");
  function undoLast() {
    let succeeded = false;
    const seen = (event) => { succeeded = event.detail.successful; };
    document.body.addEventListener("htmx:afterRequest", seen, { once: true });
    return htmx.ajax("POST", undo.dataset.url, { values: state(), swap: "none", source: table }).then(() => {
      const bar = document.getElementById("grid-message"); // the answer replaced it (out of band)
      if (succeeded && bar && !bar.classList.contains("error")) {
        bar.textContent = "Your last edit was undone.";
      }
    });
  }
  if (undo) {
    undo.addEventListener("click", undoLast);
    document.addEventListener("keydown", (event) => {
      const typing = event.target.closest("input, textarea, select");
      if ((event.ctrlKey || event.metaKey) && event.key === "z" && !typing) {
        event.preventDefault();
        undoLast();
      }
    });
  }
  filter();
})();
