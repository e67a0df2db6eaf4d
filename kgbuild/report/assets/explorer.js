/* The graph explorer: draws the precomputed layout as SVG, filters by node type and vendor, and lists a clicked
   node's papers and speedup claims in the side panel. */
(function () {
  "use strict";
  const SVG_NS = "http://www.w3.org/2000/svg";
  const COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#b279a2", "#9d755d"];
  const W = 1000, H = 640, PAD = 24, MAX_LIST = 200;

  function svgEl(name, attrs) {
    const el = document.createElementNS(SVG_NS, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    return el;
  }

  function el(name, attrs, text) {
    const node = document.createElement(name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function claimRows() {
    const table = document.getElementById("claims-table");
    const byIndex = new Map();
    if (!table) return { byIndex, keys: [] };
    const keys = Array.from(table.tHead.rows[0].cells).map((th) => th.getAttribute("data-key"));
    table.querySelectorAll("tbody tr").forEach((tr) => byIndex.set(tr.getAttribute("data-index"), tr));
    return { byIndex, keys };
  }

  function claimText(tr, keys) {
    const cell = (key) => (tr.cells[keys.indexOf(key)] || { textContent: "" }).textContent.trim();
    const parts = [`${cell("value")}${cell("unit")} ${cell("metric")}`, cell("method") && `by ${cell("method")}`,
      cell("baseline") && `over ${cell("baseline")}`, cell("hardware") && `on ${cell("hardware")}`];
    return { head: parts.filter(Boolean).join(" "), evidence: cell("evidence"), paper: cell("paper") };
  }

  function init() {
    const source = document.getElementById("explorer-data");
    const svg = document.getElementById("explorer-svg");
    const panel = document.getElementById("explorer-panel");
    if (!source || !svg || !panel) return;
    const data = JSON.parse(source.textContent);
    const claims = claimRows();
    const px = (n) => PAD + n.x * (W - 2 * PAD);
    const py = (n) => PAD + n.y * (H - 2 * PAD);
    const maxDeg = Math.max(1, ...data.nodes.map((n) => n.deg));
    const radius = (n) => 3 + 9 * Math.sqrt(n.deg / maxDeg);
    const neighbours = data.nodes.map(() => new Set());

    const gEdges = svgEl("g", { class: "explorer-edges" });
    const gNodes = svgEl("g", { class: "explorer-nodes" });
    const gLabels = svgEl("g", { class: "explorer-labels" });
    const edgeEls = data.edges.map(([s, t, type]) => {
      neighbours[s].add(t);
      neighbours[t].add(s);
      const a = data.nodes[s], b = data.nodes[t];
      const line = svgEl("line", { class: "explorer-edge", "data-type": type,
        x1: px(a).toFixed(1), y1: py(a).toFixed(1), x2: px(b).toFixed(1), y2: py(b).toFixed(1) });
      gEdges.appendChild(line);
      return line;
    });
    const nodeEls = data.nodes.map((n, i) => {
      const c = svgEl("circle", { class: "explorer-node", "data-id": n.id, "data-index": i,
        "data-label": data.labels[n.label], "data-vendors": n.v.map((v) => data.vendors[v]).join("|"),
        cx: px(n).toFixed(1), cy: py(n).toFixed(1), r: radius(n).toFixed(1), fill: COLOURS[n.label % COLOURS.length] });
      const title = svgEl("title", {});
      title.textContent = `${n.name} (${data.labels[n.label]}): ${n.p.length} papers, ${n.c.length} claims`;
      c.appendChild(title);
      c.addEventListener("click", (ev) => { ev.stopPropagation(); select(i); });
      gNodes.appendChild(c);
      return c;
    });
    const labelled = new Set(data.nodes.map((n, i) => i).sort((a, b) => data.nodes[b].deg - data.nodes[a].deg).slice(0, 40));
    const labelEls = data.nodes.map((n, i) => {
      const t = svgEl("text", { class: "explorer-label", x: (px(n) + radius(n) + 2).toFixed(1), y: (py(n) + 4).toFixed(1) });
      t.textContent = n.name;
      t.style.display = labelled.has(i) ? "" : "none";
      gLabels.appendChild(t);
      return t;
    });
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.append(gEdges, gNodes, gLabels);

    // ---- filters
    const typeBoxes = Array.from(document.querySelectorAll("#explorer-types input[type=checkbox]"));
    const vendorSelect = document.getElementById("explorer-vendor");
    const counter = document.getElementById("explorer-count");
    const visible = data.nodes.map(() => true);
    let selected = -1;

    function applyFilters() {
      const types = new Set(typeBoxes.filter((b) => b.checked).map((b) => Number(b.value)));
      const vendor = vendorSelect && vendorSelect.value !== "" ? Number(vendorSelect.value) : null;
      let shown = 0;
      data.nodes.forEach((n, i) => {
        visible[i] = types.has(n.label) && (vendor === null || n.v.includes(vendor));
        nodeEls[i].style.display = visible[i] ? "" : "none";
        labelEls[i].style.display = visible[i] && (labelled.has(i) || i === selected) ? "" : "none";
        if (visible[i]) shown += 1;
      });
      data.edges.forEach(([s, t], k) => { edgeEls[k].style.display = visible[s] && visible[t] ? "" : "none"; });
      if (counter) {
        counter.textContent = `${shown} of ${data.nodes.length} nodes shown`;
        counter.setAttribute("data-shown", String(shown));
      }
    }
    typeBoxes.forEach((b) => b.addEventListener("change", applyFilters));
    if (vendorSelect) vendorSelect.addEventListener("change", applyFilters);

    // ---- selection and the side panel
    function list(title, cls, items, render) {
      const frag = document.createDocumentFragment();
      frag.appendChild(el("h4", {}, `${title} (${items.length})`));
      const ul = el("ul", { class: cls });
      items.slice(0, MAX_LIST).forEach((item) => ul.appendChild(render(item)));
      if (items.length > MAX_LIST) ul.appendChild(el("li", { class: "more" }, `… and ${items.length - MAX_LIST} more`));
      frag.appendChild(ul);
      return frag;
    }

    function select(i) {
      selected = i;
      const n = data.nodes[i];
      nodeEls.forEach((c, j) => {
        c.classList.toggle("selected", j === i);
        c.classList.toggle("dim", j !== i && !neighbours[i].has(j));
      });
      data.edges.forEach(([s, t], k) => edgeEls[k].classList.toggle("lit", s === i || t === i));
      labelEls.forEach((t, j) => { t.style.display = visible[j] && (labelled.has(j) || j === i) ? "" : "none"; });
      panel.replaceChildren();
      panel.setAttribute("data-node", n.id);
      panel.appendChild(el("h3", {}, n.name));
      const vendors = n.v.map((v) => data.vendors[v]).join(", ");
      panel.appendChild(el("p", { class: "meta" }, `${data.labels[n.label]} · ${n.id}${vendors ? " · " + vendors : ""}`));
      panel.appendChild(list("Papers", "panel-papers", n.p, (p) => {
        const [id, title, date] = data.papers[p];
        const li = el("li", { class: "panel-paper", "data-paper": id }, title + " ");
        li.appendChild(el("span", { class: "date" }, date ? `${id} · ${date}` : id));
        return li;
      }));
      panel.appendChild(list("Speedup claims", "panel-claims", n.c, (c) => {
        const tr = claims.byIndex.get(String(c));
        const li = el("li", { class: "panel-claim", "data-claim": tr ? tr.getAttribute("data-claim") : "" });
        if (!tr) return li;
        const text = claimText(tr, claims.keys);
        li.appendChild(el("b", {}, text.head));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("q", {}, text.evidence));
        return li;
      }));
    }

    svg.addEventListener("click", () => {
      selected = -1;
      nodeEls.forEach((c) => c.classList.remove("selected", "dim"));
      edgeEls.forEach((e) => e.classList.remove("lit"));
    });

    // ---- zoom (wheel) and pan (drag) by moving the viewBox
    let view = [0, 0, W, H], drag = null;
    const setView = () => svg.setAttribute("viewBox", view.map((v) => v.toFixed(1)).join(" "));
    svg.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const box = svg.getBoundingClientRect();
      const fx = (ev.clientX - box.left) / box.width, fy = (ev.clientY - box.top) / box.height;
      const k = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
      const w = Math.min(W * 4, Math.max(W / 20, view[2] * k)), h = w * H / W;
      view = [view[0] + (view[2] - w) * fx, view[1] + (view[3] - h) * fy, w, h];
      setView();
    }, { passive: false });
    svg.addEventListener("mousedown", (ev) => { drag = [ev.clientX, ev.clientY, view[0], view[1]]; });
    window.addEventListener("mouseup", () => { drag = null; });
    svg.addEventListener("mousemove", (ev) => {
      if (!drag) return;
      const box = svg.getBoundingClientRect();
      view[0] = drag[2] - (ev.clientX - drag[0]) * view[2] / box.width;
      view[1] = drag[3] - (ev.clientY - drag[1]) * view[3] / box.height;
      setView();
    });

    applyFilters();
  }

  window.kgbuildReport = window.kgbuildReport || {};
  window.kgbuildReport.initExplorer = init;
})();
