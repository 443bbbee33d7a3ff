/* The explorer's tools (stakegraph.web.explore_tools): Paths, What-if and Compare, mounted in <div id="tools">.
 * Uses only the hook API of explore.js (window.SG). Data reaches the DOM as text only (textContent, never
 * innerHTML). The tools' inputs live in SG state under `tools` (URL hash and saved views).
 *   Paths   — two node ids (from the selection or typed), relationship kinds, direction, how many, hops:
 *             GET /explore/paths; the paths are added to the canvas, highlighted and listed as text.
 *   What-if — shocks (the selection, or the grammar: ID, loss:ID:0.3, ends:EDGE, missed:ID) and a method:
 *             GET /explore/whatif; the canvas is coloured by loss (legend: the unit and currency), the
 *             transmission relationships highlighted, the largest losses listed.
 *   Compare — two scenarios of one method: GET /explore/whatif?compare=; two columns and the difference
 *             (the server diffs the full results, not the rows shown).
 * window.__tools is the tools' state for tests: ready, pending, errors, paths, whatif, compare.
 */
(function () {
  "use strict";
  var SG = window.SG, root = document.getElementById("tools");
  var T = { ready: false, pending: 0, errors: [], paths: null, whatif: null, compare: null };
  window.__tools = T;
  if (!SG || !root) { return; }
  var RAMP = ["#fde68a", "#f59e0b", "#dc2626", "#7f1d1d"];
  var opts = { kinds: [], methods: ["contract", "debtrank", "cascade", "clearing"], limits: {} };
  var saved = (SG.getState().tools || {});

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function field(label, input) {  /* a checkbox before its text, other inputs after theirs */
    var l = el("label", null, "hint");
    if (input.type === "checkbox") { l.appendChild(input); l.appendChild(document.createTextNode(" " + label + " ")); }
    else {
      l.appendChild(document.createTextNode(label + " ")); l.appendChild(input);
      if (input.type === "text") { l.style.display = "block"; input.style.width = "70%"; }
    }
    return l;
  }
  function input(id, type, value, attrs) {
    var i = document.createElement("input");
    i.id = id; i.type = type;
    if (type === "checkbox") { i.checked = !!value; } else if (value !== undefined && value !== null) { i.value = String(value); }
    Object.keys(attrs || {}).forEach(function (k) { i.setAttribute(k, attrs[k]); });
    return i;
  }
  function button(id, text) { var b = el("button", text); b.type = "button"; b.id = id; return b; }
  function select(id, values, current) {
    var s = document.createElement("select");
    s.id = id;
    values.forEach(function (v) { var o = el("option", v); o.value = v; if (v === current) { o.selected = true; } s.appendChild(o); });
    return s;
  }
  function num(x, digits) {
    if (x === null || x === undefined) { return "\u2014"; }
    var a = Math.abs(x);
    if (digits !== undefined) { return x.toFixed(digits); }
    return a !== 0 && a < 0.01 ? x.toExponential(2) : x.toLocaleString("en", { maximumFractionDigits: 2 });
  }
  function getJSON(path, params) {
    var q = Object.keys(params).filter(function (k) { return params[k] !== "" && params[k] !== null && params[k] !== undefined; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); }).join("&");
    T.pending++;
    return fetch(path + (q ? "?" + q : ""), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            var e = (body && body.error) || { message: "HTTP " + r.status };
            throw new Error(e.message + (e.fix && e.message.indexOf(e.fix) < 0 ? " (" + e.fix + ")" : ""));
          }
          return body;
        });
      })
      .finally(function () { T.pending--; });
  }
  function save() {
    SG.setTools(Object.assign({}, SG.getState().tools || {}, {
      paths: { from: $("path-from").value, to: $("path-to").value, kinds: chosenKinds(), directed: $("path-directed").checked,
               max: $("path-max").value, hops: $("path-hops").value, shown: !!T.paths },
      whatif: { shock: $("whatif-shock").value, method: $("whatif-method").value, as_of: $("whatif-asof").value,
                shown: !!T.whatif },
      compare: { a: $("compare-a").value, b: $("compare-b").value, method: $("compare-method").value, shown: !!T.compare }
    }));
  }
  function $(id) { return document.getElementById(id); }
  function status(id, text, bad) {
    var s = $(id);
    s.textContent = text;
    s.className = bad ? "hint flag" : "hint";
    if (bad) { T.errors.push(text); }
  }
  function names(sub) { var m = {}; (sub.nodes || []).forEach(function (n) { m[n.id] = n.name || n.id; }); return m; }
  function idle() {  /* the page has restored a shared view's nodes (it clears the canvas first) */
    return new Promise(function (done) {
      var tries = 0;
      (function check() {
        var ex = window.__explore || {};
        if ((ex.pending || 0) === 0 || ++tries > 100) { done(); } else { setTimeout(check, 50); }
      })();
    });
  }
  function clearCanvas() { SG.highlight(null); SG.clearStyles(); }

  // ------------------------------------------------------------------ layout of the tools
  var sp = saved.paths || {}, sw = saved.whatif || {}, sc = saved.compare || {};
  root.appendChild(el("h2", "Tools"));
  var paths = el("details", null, "tool"); paths.id = "tool-paths"; paths.open = true;
  paths.appendChild(el("summary", "Paths"));
  paths.appendChild(el("p", "Shortest paths between two nodes through the relationship kinds you choose. Select a node " +
                              "(search, or click; Shift+click a second) and press \u201cUse selection\u201d.", "hint"));
  paths.appendChild(field("From", input("path-from", "text", sp.from, { placeholder: "node id", maxlength: "200" })));
  paths.appendChild(field("To", input("path-to", "text", sp.to, { placeholder: "node id", maxlength: "200" })));
  paths.appendChild(button("path-use", "Use selection"));
  var kindBox = el("fieldset"); kindBox.id = "path-kinds"; kindBox.appendChild(el("legend", "Relationship kinds (none ticked = all)"));
  paths.appendChild(kindBox);
  paths.appendChild(field("Directed", input("path-directed", "checkbox", sp.directed)));
  paths.appendChild(field("Paths", input("path-max", "number", sp.max || 5, { min: "1", max: "20" })));
  paths.appendChild(field("Hops", input("path-hops", "number", sp.hops || 6, { min: "1", max: "8" })));
  paths.appendChild(button("path-run", "Find paths"));
  paths.appendChild(button("path-clear", "Clear"));
  var pathStatus = el("div", "", "hint"); pathStatus.id = "path-status"; pathStatus.setAttribute("role", "status");
  paths.appendChild(pathStatus);
  var pathList = el("ol"); pathList.id = "path-list"; paths.appendChild(pathList);
  root.appendChild(paths);

  var whatif = el("details", null, "tool"); whatif.id = "tool-whatif"; whatif.open = true;
  whatif.appendChild(el("summary", "What-if"));
  whatif.appendChild(el("p", "Shock parties and see who loses what. Shocks: ID (default), loss:ID:0.3, ends:EDGE_ID, " +
                               "missed:ID, comma-separated.", "hint"));
  whatif.appendChild(field("Shocks", input("whatif-shock", "text", sw.shock, { placeholder: "default:a_co", maxlength: "2000" })));
  whatif.appendChild(button("whatif-use", "Use selection"));
  whatif.appendChild(field("Method", select("whatif-method", opts.methods, sw.method || "debtrank")));
  whatif.appendChild(field("As of", input("whatif-asof", "date", sw.as_of, { title: "the graph as it stood that day (empty: as loaded)" })));
  whatif.appendChild(button("whatif-run", "Run"));
  whatif.appendChild(button("whatif-clear", "Clear"));
  var whatifStatus = el("div", "", "hint"); whatifStatus.id = "whatif-status"; whatifStatus.setAttribute("role", "status");
  whatif.appendChild(whatifStatus);
  var whatifLegend = el("div"); whatifLegend.id = "whatif-legend"; whatif.appendChild(whatifLegend);
  var whatifTable = el("div"); whatifTable.id = "whatif-table"; whatif.appendChild(whatifTable);
  root.appendChild(whatif);

  var compare = el("details", null, "tool"); compare.id = "tool-compare"; compare.open = true;
  compare.appendChild(el("summary", "Compare"));
  compare.appendChild(el("p", "Two scenarios of one method side by side: each party's value under A and B and B \u2212 A.", "hint"));
  compare.appendChild(field("A", input("compare-a", "text", sc.a, { placeholder: "default:a_co", maxlength: "2000" })));
  compare.appendChild(field("B", input("compare-b", "text", sc.b, { placeholder: "default:b_bank", maxlength: "2000" })));
  compare.appendChild(field("Method", select("compare-method", opts.methods, sc.method || "debtrank")));
  compare.appendChild(button("compare-run", "Compare"));
  var compareStatus = el("div", "", "hint"); compareStatus.id = "compare-status"; compareStatus.setAttribute("role", "status");
  compare.appendChild(compareStatus);
  var compareTable = el("div"); compareTable.id = "compare-table"; compare.appendChild(compareTable);
  root.appendChild(compare);

  function chosenKinds() {
    return Array.prototype.filter.call(kindBox.querySelectorAll("input[type=checkbox]"), function (c) { return c.checked; })
      .map(function (c) { return c.value; });
  }
  function fillKinds(kinds, ticked) {
    kinds.forEach(function (k) {
      var c = input("path-kind-" + k, "checkbox", ticked.indexOf(k) >= 0);
      c.value = k;
      kindBox.appendChild(field(k, c));
    });
  }
  function fillMethods(methods) {
    ["whatif-method", "compare-method"].forEach(function (id) {
      var s = $(id), cur = s.value;
      s.textContent = "";
      methods.forEach(function (m) { var o = el("option", m); o.value = m; if (m === cur) { o.selected = true; } s.appendChild(o); });
    });
  }

  // ------------------------------------------------------------------ paths
  function pathText(p, nm, edgeKind) {
    var parts = [nm[p.nodes[0]] || p.nodes[0]];
    p.edges.forEach(function (hop, i) {
      parts.push("\u2014" + hop.map(function (e) { return edgeKind[e] || e; }).join("/") + "\u2192");
      parts.push(nm[p.nodes[i + 1]] || p.nodes[i + 1]);
    });
    return parts.join(" ");
  }
  function flatEdges(p) { return p.edges.reduce(function (a, hop) { return a.concat(hop); }, []); }
  function runPaths() {
    var from = $("path-from").value.trim(), to = $("path-to").value.trim();
    if (!from || !to) { status("path-status", "Pick two nodes: select them and press \u201cUse selection\u201d.", true); return Promise.resolve(); }
    status("path-status", "searching\u2026");
    return getJSON("/explore/paths", { from: from, to: to, kinds: chosenKinds().join(","), directed: $("path-directed").checked ? "true" : "",
                                       max: $("path-max").value, hops: $("path-hops").value })
      .then(function (r) {
        T.paths = r;
        pathList.textContent = "";
        SG.clearStyles();
        SG.addSubgraph({ nodes: r.nodes, edges: r.edges });
        var nm = names(r), kind = {};
        r.edges.forEach(function (e) { kind[e.id] = e.kind; });
        if (!r.paths.length) {
          SG.highlight([from, to], []);
          status("path-status", "No path of at most " + r.hops + " hops" + (r.kinds.length ? " through " + r.kinds.join(", ") : "") +
                 (r.directed ? " (directed)" : "") + ".");
        } else {
          var allN = [], allE = [];
          r.paths.forEach(function (p, i) {
            allN = allN.concat(p.nodes); allE = allE.concat(flatEdges(p));
            var li = el("li", pathText(p, nm, kind) + " (" + p.hops + (p.hops === 1 ? " hop)" : " hops)"));
            li.setAttribute("data-index", String(i));
            li.tabIndex = 0;
            li.title = "Highlight this path only";
            li.addEventListener("click", function () { SG.highlight(p.nodes, flatEdges(p)); });
            pathList.appendChild(li);
          });
          SG.highlight(allN, allE);
          status("path-status", r.paths.length + (r.paths.length === 1 ? " path" : " paths") + " from " + (nm[from] || from) +
                 " to " + (nm[to] || to) + (r.kinds.length ? " through " + r.kinds.join(", ") : " through any kind") + ".");
        }
        save();
      }).catch(function (e) { status("path-status", String(e.message || e), true); });
  }

  // ------------------------------------------------------------------ what-if
  function colour(t) { return RAMP[Math.round(Math.max(0, Math.min(1, t)) * (RAMP.length - 1))]; }
  function unitText(u) {
    var cur = u.currency ? u.currency : (u.currencies ? u.currencies.join(" / ") + " as recorded, not converted" : "");
    if (u.kind === "fraction") { return u.value + "; equity lost in " + cur; }
    return u.value + ", in " + cur + (u.note ? " (" + u.note + ")" : "");
  }
  function valueText(u, x) { return u.kind === "fraction" ? num(x, 4) : num(x); }
  function shocked(r) {  /* the parties the scenario names: drawn darkest, left out of the scale */
    var out = {};
    (r.parameters.shocks || []).forEach(function (t) {
      var parts = String(t).split(":");
      if (parts[0] === "default" || parts[0] === "missed") { out[parts.slice(1).join(":")] = true; }
      else if (parts[0] === "loss") { out[parts.slice(1, -1).join(":")] = true; }
    });
    return out;
  }
  function scaleTop(r) {
    var hit = shocked(r), top = 0;
    r.losses.forEach(function (x) { if (!hit[x.id] && x.value > top) { top = x.value; } });
    return top;
  }
  function legend(r) {
    whatifLegend.textContent = "";
    var u = r.unit, top = scaleTop(r);
    whatifLegend.appendChild(el("div", "Colour: " + unitText(u), "rule"));
    [[0, "0"], [0.5, valueText(u, top / 2)], [1, valueText(u, top) + " and above (the largest among parties not shocked; " +
                                              "shocked parties are drawn darkest)"]].forEach(function (s) {
      var row = el("div", null, "swatch-row"), sw = el("span", "\u00a0\u00a0\u00a0\u00a0");
      sw.style.background = colour(s[0]); sw.style.marginRight = "6px";
      row.appendChild(sw); row.appendChild(el("span", s[1], "hint"));
      whatifLegend.appendChild(row);
    });
    whatifLegend.appendChild(el("div", "Highlighted relationships: where the loss travelled (" + r.transmission.edges.length + " drawn).", "hint"));
  }
  function table(headers, rows, numeric) {
    var t = el("table"), tr = el("tr");
    t.style.fontSize = "12px";
    headers.forEach(function (h, i) { var th = el("th", h); if (i) { th.style.whiteSpace = "nowrap"; } tr.appendChild(th); });
    t.appendChild(tr);
    rows.forEach(function (cells) {
      var r = el("tr");
      cells.forEach(function (c, i) {
        var td = el("td", c);
        if (numeric.indexOf(i) >= 0) { td.className = "num"; td.style.whiteSpace = "nowrap"; td.style.textAlign = "right"; }
        r.appendChild(td);
      });
      t.appendChild(r);
    });
    return t;
  }
  function paint(r) {
    SG.clearStyles();
    SG.addSubgraph({ nodes: r.nodes, edges: r.edges });
    var top = scaleTop(r), hit = shocked(r);
    r.losses.forEach(function (x) {
      var t = hit[x.id] ? 1 : top > 0 ? Math.min(1, x.value / top) : 0;
      SG.setNodeStyle(x.id, { color: colour(t), size: 5 + 11 * t });
    });
    SG.highlight(r.losses.map(function (x) { return x.id; }).concat(r.nodes.map(function (n) { return n.id; })), r.transmission.edges);
  }
  function runWhatif() {
    var shock = $("whatif-shock").value.trim(), method = $("whatif-method").value;
    if (!shock && method !== "clearing") { status("whatif-status", "Name a shock: select parties and press \u201cUse selection\u201d.", true); return Promise.resolve(); }
    status("whatif-status", "running " + method + "\u2026");
    return getJSON("/explore/whatif", { shock: shock, method: method, top: "25", as_of: $("whatif-asof").value }).then(function (r) {
      T.whatif = r;
      paint(r);
      legend(r);
      whatifTable.textContent = "";
      var u = r.unit, money = u.kind === "fraction" ? "equity lost (" + u.currency + ")" : null;
      var headers = ["party", u.kind === "fraction" ? "h" : "loss (" + (u.currency || "as recorded") + ")"].concat(money ? [money] : []).concat(["default"]);
      whatifTable.appendChild(table(headers, r.losses.map(function (x) {
        return [x.name || x.id, valueText(u, x.value)].concat(money ? [num(x.money)] : []).concat([x.defaulted ? "yes" : ""]);
      }), [1, 2]));
      var s = r.summary, bits = [r.affected + " parties affected"];
      if (s.debtrank !== undefined) { bits.push("DebtRank " + num(s.debtrank, 4)); }
      if (s.system_loss !== undefined) { bits.push("system loss " + num(s.system_loss) + (u.currency ? " " + u.currency : "")); }
      if (s.defaults) { bits.push(s.defaults.length + " defaults"); }
      if (s.additional_defaults) { bits.push(s.additional_defaults.length + " additional defaults"); }
      if (s.note) { bits.push(s.note); }
      if (r.parameters.as_of) { bits.push("as of " + r.parameters.as_of); }
      status("whatif-status", method + ": " + bits.join("; ") + ".");
      save();
    }).catch(function (e) { status("whatif-status", String(e.message || e), true); });
  }

  // ------------------------------------------------------------------ compare
  function runCompare() {
    var a = $("compare-a").value.trim(), b = $("compare-b").value.trim(), method = $("compare-method").value;
    if ((!a || !b) && method !== "clearing") { status("compare-status", "Give two scenarios (A and B).", true); return Promise.resolve(); }
    status("compare-status", "running two scenarios\u2026");
    return getJSON("/explore/whatif", { shock: a, compare: b, method: method, top: "25" }).then(function (r) {
      T.compare = r;
      compareTable.textContent = "";
      var u = r.unit, head = u.kind === "fraction" ? "h" : (u.currency || "as recorded");
      compareTable.appendChild(el("div", "Values: " + unitText(u), "rule"));
      compareTable.appendChild(table(["party", "A " + head, "B " + head, "B \u2212 A"], r.diff.map(function (d) {
        return [d.name || d.id, valueText(u, d.a), valueText(u, d.b), (d.difference > 0 ? "+" : "") + valueText(u, d.difference)];
      }), [1, 2, 3]));
      status("compare-status", "A: " + r.a.affected + " parties affected; B: " + r.b.affected + "; " + r.differing + " differ.");
      save();
    }).catch(function (e) { status("compare-status", String(e.message || e), true); });
  }

  // ------------------------------------------------------------------ wiring
  $("path-use").addEventListener("click", function () {
    var ids = SG.selected();
    if (!ids.length) { status("path-status", "Nothing is selected: click a node (Shift+click a second).", true); return; }
    if (ids.length >= 2) { $("path-from").value = ids[0]; $("path-to").value = ids[1]; }
    else if (!$("path-from").value) { $("path-from").value = ids[0]; }
    else { $("path-to").value = ids[0]; }
    status("path-status", "From " + ($("path-from").value || "?") + " to " + ($("path-to").value || "?") + ".");
    save();
  });
  $("whatif-use").addEventListener("click", function () {
    var ids = SG.selected();
    if (!ids.length) { status("whatif-status", "Nothing is selected: click the parties to shock (Shift+click adds).", true); return; }
    $("whatif-shock").value = ids.map(function (id) { return "default:" + id; }).join(",");
    if (!$("compare-a").value) { $("compare-a").value = $("whatif-shock").value; }
    save();
  });
  $("path-run").addEventListener("click", runPaths);
  $("whatif-run").addEventListener("click", runWhatif);
  $("compare-run").addEventListener("click", runCompare);
  $("path-clear").addEventListener("click", function () { T.paths = null; pathList.textContent = ""; clearCanvas(); status("path-status", ""); save(); });
  $("whatif-clear").addEventListener("click", function () {
    T.whatif = null; whatifTable.textContent = ""; whatifLegend.textContent = ""; clearCanvas(); status("whatif-status", ""); save();
  });
  ["path-from", "path-to", "whatif-shock", "compare-a", "compare-b"].forEach(function (id) {
    $(id).addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter") { return; }
      ev.preventDefault();
      (id.indexOf("path") === 0 ? runPaths : id.indexOf("whatif") === 0 ? runWhatif : runCompare)();
    });
  });

  getJSON("/explore/tools", {}).then(function (o) {
    opts = o;
    fillKinds(o.kinds, sp.kinds || []);
    fillMethods(o.methods);
    if (sw.method) { $("whatif-method").value = sw.method; }
    if (sc.method) { $("compare-method").value = sc.method; }
    T.ready = true;
    /* a shared link re-runs what it showed */
    var again = [];
    if (sp.shown) { again.push(runPaths); }
    if (sw.shown) { again.push(runWhatif); }
    if (sc.shown) { again.push(runCompare); }
    return again.reduce(function (p, f) { return p.then(idle).then(f); }, Promise.resolve());
  }).catch(function (e) { T.errors.push(String(e.message || e)); T.ready = true; });
})();
