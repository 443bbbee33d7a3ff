/* The explorer (stakegraph.viz.explore): search, open, expand, inspect. Data reaches the DOM as text only. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("sg-explore").textContent);
  var state = { ready: false, opened: null, errors: [], pending: 0, results: [], expanded: {}, searched: "" };
  window.__explore = state;
  var MORE = "\u0000more:";
  var nodes = new vis.DataSet([]);
  var edges = new vis.DataSet([]);
  var net = new vis.Network(document.getElementById("canvas"), { nodes: nodes, edges: edges }, {
    nodes: { font: { face: cfg.style.font, size: 14 }, borderWidth: 1, size: 14 },
    edges: { arrows: { to: { enabled: true, scaleFactor: 0.5 } }, font: { face: cfg.style.font, size: 10 },
             smooth: false },
    physics: { solver: "forceAtlas2Based", stabilization: { iterations: 120 } },
    interaction: { hover: true, tooltipDelay: 200 }
  });
  state.network = net;
  state.nodes = nodes;
  state.edges = edges;
  var q = document.getElementById("q");
  var results = document.getElementById("results");
  var statusEl = document.getElementById("status");
  var panel = document.getElementById("panel");
  var timer = null, seq = 0, sel = -1, inflight = null;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function say(text) { statusEl.textContent = text; }
  function fail(err) { var m = String(err && err.message ? err.message : err); state.errors.push(m); say(m); }
  function getJSON(url) {
    state.pending++;
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            var e = (body && body.error) || { message: "HTTP " + r.status };
            throw new Error(e.message + (e.fix ? " (" + e.fix + ")" : ""));
          }
          return body;
        });
      })
      .finally(function () { state.pending--; });
  }
  function short(s) { s = String(s); return s.length > 28 ? s.slice(0, 27) + "\u2026" : s; }
  function style(n) {
    if (n.type === "party") { return { color: cfg.style.party[n.kind] || cfg.style.party.other, shape: "dot" }; }
    var t = cfg.style.types[n.type];
    return t ? { color: t.color, shape: t.shape } : { color: "#9ca3af", shape: "dot" };
  }
  function addNode(n) {
    if (nodes.get(n.id)) { return; }
    var s = style(n);
    var sub = [n.type, n.kind, n.country].filter(Boolean).join(" \u00b7 ");
    nodes.add({ id: n.id, label: short(n.name || n.id), title: (n.name || n.id) + "\n" + sub + "\nid: " + n.id,
                color: s.color, shape: s.shape, data: n });
  }
  function addEdge(e) {
    if (edges.get(e.id)) { return; }
    edges.add({ id: e.id, from: e.source, to: e.target, label: e.kind, color: { color: e.color },
                dashes: ["ended", "terminated", "recalled"].indexOf(e.status) >= 0, title: e.kind + "\nid: " + e.id });
  }

  // ------------------------------------------------------------------ search
  function renderResults(list) {
    results.textContent = "";
    if (!list.length) { results.appendChild(el("p", "No match.", "hint")); return; }
    var groups = {}, order = [], shown = [];
    list.forEach(function (r) {
      if (!groups[r.type]) { groups[r.type] = []; order.push(r.type); }
      groups[r.type].push(r);
    });
    order.forEach(function (type) { groups[type] = groups[type].map(function (r) { shown.push(r); return [r, shown.length - 1]; }); });
    state.results = shown;  /* the order shown: Enter and the arrow keys follow it */
    order.forEach(function (type) {
      results.appendChild(el("h3", type));
      var ul = el("ul");
      groups[type].forEach(function (pair) {
        var r = pair[0], li = el("li", r.name || r.id);
        li.setAttribute("role", "option");
        li.setAttribute("data-index", String(pair[1]));
        li.setAttribute("data-id", r.id);
        li.appendChild(el("span", [r.name_en, r.kind, r.country, r.id].filter(Boolean).join(" \u00b7 "), "sub"));
        li.addEventListener("click", function () { open(r.id); });
        ul.appendChild(li);
      });
      results.appendChild(ul);
    });
  }
  function highlight() {
    results.querySelectorAll("li").forEach(function (li) {
      li.setAttribute("aria-selected", String(Number(li.getAttribute("data-index")) === sel));
    });
  }
  function search() {
    var text = q.value.trim();
    var my = ++seq;
    if (!text) { results.textContent = ""; state.results = []; state.searched = ""; return Promise.resolve(); }
    inflight = getJSON("/explore/search?q=" + encodeURIComponent(text)).then(function (d) {
      if (my !== seq) { return; }
      state.results = d.results;
      state.searched = text;
      sel = -1;
      renderResults(d.results);  /* groups by type, first-found type first */
      say(d.results.length + " found");
    }).catch(fail);
    return inflight;
  }
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 120); });
  q.addEventListener("keydown", function (ev) {
    var n = state.results.length;
    if (ev.key === "ArrowDown" && n) { sel = (sel + 1) % n; highlight(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp" && n) { sel = (sel - 1 + n) % n; highlight(); ev.preventDefault(); }
    else if (ev.key === "Enter") {
      ev.preventDefault();
      clearTimeout(timer);
      var pick = function () { var r = state.results[sel >= 0 ? sel : 0]; if (r) { open(r.id); } };
      if (state.searched !== q.value.trim()) { search().then(pick); } else { pick(); }
    }
  });

  // ------------------------------------------------------------------ panel
  function table(headers, rows) {
    var t = el("table"), tr = el("tr");
    headers.forEach(function (h) { tr.appendChild(el("th", h)); });
    var thead = el("thead"); thead.appendChild(tr); t.appendChild(thead);
    var tb = el("tbody");
    rows.forEach(function (row) {
      var r = el("tr");
      row.forEach(function (c) { if (c instanceof Node) { var td = el("td"); td.appendChild(c); r.appendChild(td); } else { r.appendChild(el("td", c)); } });
      tb.appendChild(r);
    });
    if (!rows.length) { var none = el("tr"), td = el("td", "none", "muted"); td.colSpan = headers.length; none.appendChild(td); tb.appendChild(none); }
    t.appendChild(tb);
    return t;
  }
  function viewLink(label, href) { var a = el("a", label); a.href = href; a.style.marginRight = "10px"; return a; }
  function showPanel(d) {
    var n = d.node, id = encodeURIComponent(n.id);
    panel.textContent = "";
    panel.appendChild(el("h2", n.name || n.id));
    panel.appendChild(el("p", [n.type, n.kind, n.country, n.id].filter(Boolean).join(" \u00b7 "), "hint"));
    var actions = el("p");
    var btn = el("button", "Expand neighbours");
    btn.type = "button";
    btn.id = "expand";
    btn.addEventListener("click", function () { expand(n.id); });
    actions.appendChild(btn);
    panel.appendChild(actions);
    var links = el("p");
    links.appendChild(viewLink("ego view", "/viz/ego/" + id + "?depth=1"));
    if (n.type === "party") { links.appendChild(viewLink("concentration", "/viz/concentration/" + id)); }
    if (n.type === "project") { links.appendChild(viewLink("project view", "/viz/project/" + id)); }
    links.appendChild(viewLink("audit scope", "/audit?scope=" + id));
    panel.appendChild(links);
    panel.appendChild(el("h3", "Properties"));
    panel.appendChild(table(["property", "value"], Object.keys(d.props).sort().map(function (k) {
      var v = d.props[k]; return [k, typeof v === "object" && v !== null ? JSON.stringify(v) : v];
    })));
    panel.appendChild(el("h3", "Provenance"));
    panel.appendChild(table(["", ""], [["file", d.provenance.source_file || "\u2014"],
      ["row", d.provenance.source_row === null || d.provenance.source_row === undefined ? "\u2014" : d.provenance.source_row],
      ["load", d.provenance.load_id || "\u2014"]]));
    panel.appendChild(el("h3", "Relationships (" + d.total_relationships + ")"));
    panel.appendChild(table(["kind", "", "other end", "details"], d.relationships.map(function (r) {
      var other = el("span", r.other_name, "");
      other.className = "link";
      other.setAttribute("data-id", r.other);
      other.addEventListener("click", function () { open(r.other); });
      var details = Object.keys(r.summary).map(function (k) { return k + " " + r.summary[k]; }).join(", ");
      return [r.kind, r.direction === "out" ? "\u2192" : "\u2190", other, details];
    })));
    if (d.total_relationships > d.relationships.length) {
      panel.appendChild(el("p", "first " + d.relationships.length + " shown; expand the node to see the rest", "hint"));
    }
    panel.querySelectorAll("span.link").forEach(function (s) { s.parentNode.className = "link"; });
  }
  function open(id) {
    return getJSON("/explore/node/" + encodeURIComponent(id)).then(function (d) {
      addNode(d.node);
      state.opened = d.node.id;
      showPanel(d);
      net.selectNodes([d.node.id]);
      net.focus(d.node.id, { scale: 1.0, animation: false });
      say("opened " + (d.node.name || d.node.id));
    }).catch(fail);
  }

  // ------------------------------------------------------------------ expand
  function expand(id, offset) {
    var from = offset === undefined ? (state.expanded[id] || 0) : offset;
    return getJSON("/explore/node/" + encodeURIComponent(id) + "/neighbours?offset=" + from + "&limit=" +
                   cfg.limits.neighbours).then(function (d) {
      d.nodes.forEach(addNode);
      d.edges.forEach(addEdge);
      var moreId = MORE + id;
      if (nodes.get(moreId)) { edges.remove(moreId + ":edge"); nodes.remove(moreId); }
      if (d.next_offset !== null) {
        nodes.add({ id: moreId, label: "and " + (d.total - d.next_offset) + " more", shape: "box",
                    color: "#f1f5f9", font: { color: "#334155" }, more: { node: id, offset: d.next_offset } });
        edges.add({ id: moreId + ":edge", from: id, to: moreId, dashes: true, color: { color: "#cbd5e1" } });
      }
      state.expanded[id] = d.next_offset === null ? 0 : d.next_offset;
      net.once("stabilized", function () { net.fit({ animation: false }); });
      say(d.total + " neighbours; " + nodes.length + " nodes on the canvas");
    }).catch(fail);
  }
  net.on("doubleClick", function (p) {
    if (!p.nodes.length) { return; }
    var n = nodes.get(p.nodes[0]);
    if (n && n.more) { expand(n.more.node, n.more.offset); } else if (n) { expand(n.id); }
  });
  net.on("click", function (p) {
    if (!p.nodes.length) { return; }
    var n = nodes.get(p.nodes[0]);
    if (n && !n.more && n.id !== state.opened) { open(n.id); }
  });

  state.ready = true;
  if (cfg.start) { open(cfg.start); }
})();
