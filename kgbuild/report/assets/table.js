/* The claims table: a text filter (every word must occur in the row) and sorting by column header. */
(function () {
  "use strict";

  function cellKey(cell, numeric) {
    const raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    return numeric ? parseFloat(raw) : raw.trim().toLowerCase();
  }

  function initTable(table, input, counter) {
    const tbody = table.tBodies[0];
    const rows = Array.from(tbody.rows);
    const texts = rows.map((row) => row.textContent.toLowerCase());
    const noun = counter ? counter.getAttribute("data-noun") || "rows" : "rows";

    function filter() {
      const words = input ? input.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
      let shown = 0;
      rows.forEach((row, i) => {
        const keep = words.every((w) => texts[i].includes(w));
        row.hidden = !keep;
        if (keep) shown += 1;
      });
      if (counter) {
        counter.textContent = `${shown} of ${rows.length} ${noun}`;
        counter.setAttribute("data-shown", String(shown));
      }
    }

    const headers = Array.from(table.tHead.rows[0].cells);
    headers.forEach((th, col) => {
      const button = th.querySelector("button");
      if (!button) return;
      button.addEventListener("click", () => {
        const numeric = th.getAttribute("data-type") === "number";
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach((h) => h.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const keyed = Array.from(tbody.rows).map((row, i) => [cellKey(row.cells[col], numeric), i, row]);
        keyed.sort((a, b) => {
          if (a[0] < b[0]) return ascending ? -1 : 1;
          if (a[0] > b[0]) return ascending ? 1 : -1;
          return a[1] - b[1];
        });
        const frag = document.createDocumentFragment();
        keyed.forEach((k) => frag.appendChild(k[2]));
        tbody.appendChild(frag);
      });
    });

    if (input) input.addEventListener("input", filter);
    filter();
  }

  window.kgbuildReport = window.kgbuildReport || {};
  window.kgbuildReport.initTables = function () {
    document.querySelectorAll("table.sortable").forEach((table) => {
      const input = table.id ? document.querySelector(`input[data-filters="${table.id}"]`) : null;
      const counter = table.id ? document.querySelector(`[data-counts="${table.id}"]`) : null;
      initTable(table, input, counter);
    });
  };
})();
