/* The explorer (stakegraph.viz.explore): search, open, expand, inspect, filter, style, share, export.
 * WebGL drawing by sigma.js on a graphology graph; ForceAtlas2 runs in a web worker. Data reaches
 * the DOM as text only (textContent); labels are drawn on the canvas.
 *
 * Hook API for add-ons (explore-tools.js is loaded after this file):
 *   SG.graph                      the graphology MultiDirectedGraph on screen (node attribute `data`
 *                                 holds the server's node JSON; edge attribute `data` the edge JSON)
 *   SG.refresh()                  redraw after changing attributes
 *   SG.addSubgraph({nodes, edges}) add nodes/edges in the shape of /explore/node/{id}/neighbours
 *                                 (undoable; returns the ids of the nodes added)
 *   SG.selected()                 ids of the selected nodes (click; Shift+click adds)
 *   SG.setNodeStyle(id, {color, size, label})   override one node's drawing; SG.clearStyles() undoes all
 *   SG.highlight(nodeIds, edgeIds)  draw only these strongly, dim the rest; SG.highlight(null) clears
 *   SG.on(event, cb)              "select" (cb(ids)), "open" (cb(nodeJSON)), "change" (cb()) after
 *                                 the graph, filters or styling change
 *   SG.getState() / SG.setState(obj)  the whole view (nodes, pinned, opened, filters, style,
 *                                 community grouping, camera); add-ons keep theirs under `state.tools`
 *                                 (it travels in the URL hash and saved views too)
 *   SG.tools = {...}              set only the tools' state (no reload; saved to the URL hash);
 *                                 SG.setState({tools}) does the same, SG.setState({nodes}) reloads the graph
 *   SG.open(id), SG.expand(id, {kind, direction}), SG.fit(), SG.money  (reporting currency, as-of date)
 *   SG.renderMode(["classic"|"moving"|"auto"])  how camera moves are drawn (see "camera moves"); returns
 *                                 the one in effect (also ?render= in the page's address)
 *   <div id="tools"> in the side panel is where add-ons mount their UI (never cleared by the page).
 * window.__explore is the page's own state for tests: ready, stable (layout settled), opened,
 * errors, pending, results, searched, expanded, sliding (the last frame is slid while the camera moves),
 * communitiesPending (the server's Louvain still running: the page asks /explore/communities until done).
 */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("sg-explore").textContent);
  var state = { ready: false, stable: true, opened: null, errors: [], pending: 0, results: [], expanded: {},
                searched: "", layoutRuns: 0 };
  window.__explore = state;
  var MORE = "\u0000more:";
  var PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777",
                 "#4d7c0f", "#7c3aed", "#0f766e", "#b45309"];
  var ENDED = ["ended", "terminated", "recalled"];
  var graph = new graphology.MultiDirectedGraph();
  var container = document.getElementById("canvas");
  var listeners = { select: [], open: [], change: [] };
  var selected = new Set(), styles = {}, focus = null, hovered = null;
  var filters = { type: {}, kind: {}, country: {}, status: {}, rel: {}, amountMin: null, amountMax: null };
  var style = { size: "degree", color: "type" };
  var grouped = false, tools = {};
  var money = { currency: null, as_of: null };
  var scales = { size: null, color: null };
  var details = {};  /* node id -> /explore/node/{id} answer */

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  var statusEl = document.getElementById("status");
  function say(text) { statusEl.textContent = text; }
  function fail(err) { var m = String(err && err.message ? err.message : err); state.errors.push(m); say(m); }
  function emit(name, arg) { (listeners[name] || []).forEach(function (cb) { try { cb(arg); } catch (e) { fail(e); } }); }
  function getJSON(url) {
    state.pending++;
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            var e = (body && body.error) || { message: "HTTP " + r.status };
            throw new Error(e.message + (e.fix ? " (" + e.fix + ")" : ""));
          }
          if (body && body.currency) { money.currency = body.currency; money.as_of = body.as_of; }
          if (body && body.units) { money.units = body.units; }
          if (body && body.pending && body.pending.indexOf("communities") >= 0) { askCommunities(COMM_POLL); }
          return body;
        });
      })
      .finally(function () { state.pending--; });
  }
  // ------------------------------------------------------------------ communities (Louvain runs in the background)
  var COMM_POLL = 1500, COMM_BATCH = 400, commTimer = null;
  function askCommunities(delay) {  /* nodes answered before the server's Louvain finished: ask until it has */
    if (commTimer) { return; }
    state.communitiesPending = true;
    commTimer = setTimeout(function () {
      var ids = graph.filterNodes(function (n, a) { return !a.more && a.data && a.data.community === undefined; }).slice(0, COMM_BATCH);
      if (!ids.length) { commTimer = null; state.communitiesPending = false; return; }
      getJSON("/explore/communities?ids=" + ids.map(encodeURIComponent).join(",")).then(function (d) {
        commTimer = null;
        if (!d.ready) { askCommunities(COMM_POLL); return; }
        ids.forEach(function (id) {
          var a = graph.hasNode(id) ? graph.getNodeAttribute(id, "data") : null;
          if (a && a.community === undefined) { a.community = d.communities[id] || null; }
        });
        changed();
        askCommunities(0);  /* the next batch, if any */
      }).catch(function (e) { commTimer = null; fail(e); });
    }, delay);
  }
  function short(s) { s = String(s); return s.length > 28 ? s.slice(0, 27) + "\u2026" : s; }
  function fmt(x) {
    if (x === null || x === undefined || isNaN(x)) { return "\u2014"; }
    var a = Math.abs(x);
    if (a >= 1e9) { return (x / 1e9).toFixed(2) + "bn"; }
    if (a >= 1e6) { return (x / 1e6).toFixed(2) + "m"; }
    if (a >= 1e4) { return (x / 1e3).toFixed(1) + "k"; }
    return a < 1 && a > 0 ? x.toPrecision(3) : String(Math.round(x * 100) / 100);
  }

  // ------------------------------------------------------------------ drawing
  function baseColour(d) {
    if (d.type === "party") { return cfg.style.party[d.kind] || cfg.style.party.other; }
    var t = cfg.style.types[d.type];
    return t ? t.color : "#9ca3af";
  }
  function metric(d, key) {
    if (key === "degree") { return d.metrics && d.metrics.degree !== undefined ? d.metrics.degree : 1; }
    var v = d.metrics ? d.metrics[key] : null;
    return typeof v === "number" ? v : null;
  }
  function rangeOf(key) {
    var lo = Infinity, hi = -Infinity;
    graph.forEachNode(function (n, a) {
      if (!a.data) { return; }
      var v = metric(a.data, key);
      if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    });
    return lo <= hi ? [lo, hi] : null;
  }
  /* style rules: how a metric maps to size/colour (scale; a fixed domain where the measure has one;
     health is coloured red (weak) to green (healthy)); any other numeric property: log scale */
  var RULES = {
    degree: { label: "degree", scale: "log" },
    betweenness: { label: "betweenness", scale: "sqrt" },
    exposure: { label: "exposure", scale: "log" },
    hhi: { label: "HHI", scale: "linear", domain: [0, 10000] },
    health: { label: "health", scale: "linear", domain: [0, 100], ramp: "health" },
    health_mean: { label: "mean health", scale: "linear", domain: [0, 100], ramp: "health" },
    health_n: { label: "relationships scored", scale: "log" }
  };
  function ruleOf(key) { return RULES[key] || { label: key, scale: "log" }; }
  function unitOf(key) {
    var u = money.units && money.units[key];
    if (u) { return u; }
    if (key === "degree") { return "relationships"; }
    if (key === "betweenness") { return "share of shortest paths (0\u20131)"; }
    if (key === "exposure" || cfg.money.indexOf(key) >= 0) {
      return (money.currency || "reporting currency") + (money.as_of ? ", converted as of " + money.as_of : "");
    }
    return "as loaded";
  }
  function rescale() {
    var range = function (key) { return ruleOf(key).domain || rangeOf(key); };
    scales.size = style.size ? range(style.size) : null;
    scales.color = style.color !== "type" && style.color !== "community" ? range(style.color) : null;
  }
  function norm(v, r, key) {
    if (v === null || !r) { return null; }
    var sc = ruleOf(key).scale;
    var f = sc === "sqrt" ? function (x) { return Math.sqrt(Math.max(0, x)); } :
      sc === "linear" ? function (x) { return x; } : function (x) { return Math.log(1 + Math.max(0, x)); };
    var lo = f(r[0]), hi = f(r[1]);
    return hi > lo ? Math.min(1, Math.max(0, (f(v) - lo) / (hi - lo))) : 0.5;
  }
  function ramp(t, key) {  /* light yellow to dark red; health: red (0) to green (100) */
    var a = [254, 240, 138], b = [153, 27, 27];
    if (key && ruleOf(key).ramp === "health") { a = [185, 28, 28]; b = [22, 163, 74]; }
    return "rgb(" + a.map(function (x, i) { return Math.round(x + (b[i] - x) * t); }).join(",") + ")";
  }
  function scaleText(key) {
    var sc = ruleOf(key).scale;
    return sc === "linear" ? "linear" : sc === "sqrt" ? "square-root scale" : "log scale";
  }
  function communityColour(c) { return c ? PALETTE[c.id % PALETTE.length] : "#cbd5e1"; }
  function nodeLook(id, a) {
    var d = a.data;
    if (!d) { return { color: "#e2e8f0", size: 6 }; }
    var size = 4, color = baseColour(d);
    var sv = norm(metric(d, style.size), scales.size, style.size);
    if (sv !== null) { size = 3 + 13 * sv; }
    if (style.color === "community") { color = communityColour(d.community); }
    else if (style.color !== "type") {
      var cv = norm(metric(d, style.color), scales.color, style.color);
      color = cv === null ? "#d1d5db" : ramp(cv, style.color);
    }
    var s = styles[id];
    if (s) { if (s.color) { color = s.color; } if (s.size) { size = s.size; } }
    return { color: color, size: size };
  }
  function nodeVisible(a) {
    var d = a.data;
    if (!d) { return true; }
    return !(filters.type[d.type] || filters.kind[d.kind || "\u2014"] || filters.country[d.country || "\u2014"] ||
             filters.status[d.status || "\u2014"]);
  }
  function edgeVisible(a) {
    var d = a.data;
    if (!d) { return true; }
    if (filters.rel[d.kind] || filters.status[d.status || "\u2014"]) { return false; }
    if (filters.amountMin !== null && !(d.amount >= filters.amountMin)) { return false; }
    if (filters.amountMax !== null && !(d.amount <= filters.amountMax)) { return false; }
    return true;
  }
  var renderer = new Sigma(graph, container, {
    allowInvalidContainer: true, renderEdgeLabels: false, defaultEdgeType: "arrow", zIndex: true,
    labelFont: cfg.style.font, labelSize: 12, labelDensity: 0.6, labelGridCellSize: 90,
    labelRenderedSizeThreshold: 6, minCameraRatio: 0.02, maxCameraRatio: 20, stagePadding: 40,
    nodeReducer: function (id, a) {
      var look = nodeLook(id, a), out = Object.assign({}, a, look);
      var s = styles[id];
      out.label = s && s.label !== undefined ? s.label : a.label;
      if (!nodeVisible(a)) { out.hidden = true; return out; }
      if (focus) {
        if (!focus.nodes.has(id)) { out.color = "#e5e7eb"; out.label = ""; out.zIndex = 0; }
        else { out.forceLabel = true; out.zIndex = 2; }
      }
      if (selected.has(id) || id === state.opened) { out.highlighted = true; out.forceLabel = true; out.zIndex = 3; }
      if (a.pinned) { out.forceLabel = true; out.borderColor = "#111"; }
      return out;
    },
    edgeReducer: function (id, a) {
      var out = Object.assign({}, a);
      if (!edgeVisible(a)) { out.hidden = true; return out; }
      if (focus && !focus.edges.has(id)) { out.color = "#f1f5f9"; out.zIndex = 0; }
      else if (focus) { out.size = 2.5; out.zIndex = 2; }
      return out;
    }
  });
  state.renderer = renderer;
  function refresh() { renderer.refresh(); }

  // ------------------------------------------------------------------ camera moves: slide the last frame
  /* Software WebGL (SwiftShader, llvmpipe: no GPU) rasterises a frame of thousands of nodes in about a
   * second on two cores, so a pan or zoom redrawn frame by frame crawls. As map libraries do, while the
   * camera moves the last drawn frame (sigma's node, edge and label layers) is moved and scaled with a CSS
   * transform (nothing is copied: reading a software-WebGL frame back would block the page until drawn),
   * and sigma draws once when the camera has been still for SETTLE ms with no button held. Node picking
   * during the move maps the pointer back through the same transform, so what is clicked is what is seen.
   * ?render=classic draws every frame (sigma's own behaviour), ?render=moving always slides. */
  var SETTLE = 150, SLIDE_FROM = 500;
  var renderMode = /^(classic|moving)$/.test(new URLSearchParams(location.search).get("render") || "") ?
    new URLSearchParams(location.search).get("render") : "auto";
  var camera = renderer.getCamera(), captor = renderer.getMouseCaptor(), layers = renderer.getCanvases();
  var still = { cam: null, w: 0, h: 0, shown: false, k: 1, tx: 0, ty: 0, css: "", timer: null };
  var MOVED = { edges: true, nodes: true, labels: true };  /* slid; the other layers (hover, edge labels) wait hidden */
  Object.keys(layers).forEach(function (k) { if (MOVED[k]) { layers[k].style.transformOrigin = "0 0"; } });
  container.style.overflow = "hidden";  /* a slid frame stays inside the stage */
  var softwareGL = (function () {
    var gl = layers.nodes.getContext("webgl2") || layers.nodes.getContext("webgl"), name = "";
    if (gl) {
      name = String(gl.getParameter(gl.RENDERER));
      var ext = /firefox/i.test(navigator.userAgent) ? null : gl.getExtension("WEBGL_debug_renderer_info");
      if (ext) { name = String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)); }
    }
    state.glRenderer = name;
    return /swiftshader|llvmpipe|softpipe|software|microsoft basic render/i.test(name);
  })();
  function sliding() {
    return renderMode === "moving" || (renderMode === "auto" && softwareGL && graph.order >= SLIDE_FROM);
  }
  function showLayers(on) {
    Object.keys(layers).forEach(function (k) {
      if (k === "mouse") { return; }
      if (MOVED[k]) { layers[k].style.transform = on ? "" : still.css; } else { layers[k].style.visibility = on ? "" : "hidden"; }
    });
    still.shown = !on;
    state.sliding = !on;
  }
  renderer.on("afterRender", function () {  /* the frame on screen is exact again: remember its camera */
    clearTimeout(still.timer); still.timer = null;
    if (still.shown) { showLayers(true); }
    still.cam = camera.getState();
    var dims = renderer.getDimensions();
    still.w = sliding() ? dims.width : 0; still.h = dims.height;
  });
  var sigmaOnCamera = camera.listeners("updated");  /* sigma's own: render on the next frame */
  sigmaOnCamera.forEach(function (l) { camera.removeListener("updated", l); });
  function drawNow() { sigmaOnCamera.forEach(function (l) { l(camera.getState()); }); }
  function settle() {  /* draw once the camera is still and no button is held */
    clearTimeout(still.timer);
    still.timer = setTimeout(function () {
      still.timer = null;
      if (captor.isMouseDown || captor.isMoving || camera.isAnimated()) { settle(); } else { drawNow(); }
    }, SETTLE);
  }
  camera.on("updated", function () {
    var cam = camera.getState(), dims = renderer.getDimensions();
    if (!sliding() || !still.w || still.w !== dims.width || still.h !== dims.height || cam.angle !== still.cam.angle) {
      drawNow(); return;
    }
    var o = { cameraState: still.cam }, n = { cameraState: cam };
    var a0 = renderer.framedGraphToViewport({ x: 0, y: 0 }, o), a1 = renderer.framedGraphToViewport({ x: 0, y: 0 }, n);
    var b0 = renderer.framedGraphToViewport({ x: 1, y: 0 }, o), b1 = renderer.framedGraphToViewport({ x: 1, y: 0 }, n);
    var k = Math.hypot(b1.x - a1.x, b1.y - a1.y) / Math.max(1e-12, Math.hypot(b0.x - a0.x, b0.y - a0.y));
    still.k = k; still.tx = a1.x - k * a0.x; still.ty = a1.y - k * a0.y;
    still.css = "matrix(" + [k, 0, 0, k, still.tx, still.ty].join(",") + ")";
    showLayers(false);
    settle();
  });
  renderer.on("beforeRender", function () { if (still.shown) { showLayers(true); } });
  var sigmaPick = renderer.getNodeAtPosition;  /* picking reads the last drawn frame: undo the slide first */
  renderer.getNodeAtPosition = function (p) {
    if (still.shown) { p = { x: (p.x - still.tx) / still.k, y: (p.y - still.ty) / still.k }; }
    return sigmaPick.call(renderer, p);
  };
  var sigmaToViewport = renderer.framedGraphToViewport;  /* and graph -> screen follows the camera, not that frame */
  renderer.framedGraphToViewport = function (c, o) {
    if (still.shown && !(o && (o.cameraState || o.matrix))) { o = Object.assign({}, o, { cameraState: camera.getState() }); }
    return sigmaToViewport.call(renderer, c, o);
  };
  function moveSettings() {  /* large drawings drawn frame by frame: edges and labels wait while the camera moves */
    var big = graph.size > 3000 && !sliding();
    if (renderer.getSetting("hideEdgesOnMove") !== big) { renderer.setSetting("hideEdgesOnMove", big); renderer.setSetting("hideLabelsOnMove", big); }
  }
  function settleNow() { if (still.shown || still.timer) { clearTimeout(still.timer); still.timer = null; renderer.refresh(); } }
  function setRenderMode(m) {
    if (m !== undefined) { renderMode = /^(classic|moving|auto)$/.test(m) ? m : "auto"; moveSettings(); renderer.refresh(); }
    return sliding() ? "moving" : "classic";
  }

  // ------------------------------------------------------------------ layout (ForceAtlas2 in a worker)
  var layout = null, watch = null, autoFit = true;
  function stopLayout() {
    if (!layout && !watch) { return; }
    if (layout) { layout.kill(); layout = null; }
    if (watch) { clearInterval(watch); watch = null; }
    packComponents();
    state.stable = true;
    refresh();
    if (autoFit) { fit(); }
    document.getElementById("b-layout").textContent = "Layout";
  }
  function startLayout() {
    if (layout) { layout.kill(); }
    if (watch) { clearInterval(watch); }
    if (graph.order < 2) { state.stable = true; return; }
    var settings = graphologyFA2.forceAtlas2.inferSettings(graph);
    settings.barnesHutOptimize = graph.order > 800;
    settings.strongGravityMode = true;
    settings.gravity = 0.5;
    settings.edgeWeightInfluence = grouped ? 1 : 0;
    layout = new graphologyFA2.FA2Layout(graph, { settings: settings, getEdgeWeight: "weight" });
    state.stable = false;
    state.layoutRuns++;
    layout.start();
    document.getElementById("b-layout").textContent = "Stop layout";
    var last = null, t0 = performance.now(), limit = Math.min(15000, 2500 + graph.order * 2);
    watch = setInterval(function () {
      var sample = [], nodes = graph.nodes(), step = Math.max(1, Math.floor(nodes.length / 400));
      for (var i = 0; i < nodes.length; i += step) { sample.push(graph.getNodeAttribute(nodes[i], "x"), graph.getNodeAttribute(nodes[i], "y")); }
      var moved = 0, extent = 1e-9;
      if (last && last.length === sample.length) {
        for (var j = 0; j < sample.length; j++) { moved += Math.abs(sample[j] - last[j]); extent = Math.max(extent, Math.abs(sample[j])); }
        moved /= sample.length;
      }
      last = sample;
      var converged = moved && moved / extent < 0.002;
      if (converged || performance.now() - t0 > limit) {
        state.layoutEnd = converged ? "converged" : "time cap"; state.layoutMs = performance.now() - t0; stopLayout();
      }
    }, 300);
  }
  /* Disconnected pieces go on a ring just outside the main component, so outliers never squeeze it. */
  function packComponents() {
    var seen = {}, comps = [];
    graph.forEachNode(function (n) {
      if (seen[n]) { return; }
      var comp = [n], k = 0;
      seen[n] = true;
      while (k < comp.length) {
        graph.forEachNeighbor(comp[k++], function (m) { if (!seen[m]) { seen[m] = true; comp.push(m); } });
      }
      comps.push(comp);
    });
    if (comps.length < 2) { return; }
    comps.sort(function (a, b) { return b.length - a.length; });
    function centre(c) {
      var x = 0, y = 0;
      c.forEach(function (n) { x += graph.getNodeAttribute(n, "x"); y += graph.getNodeAttribute(n, "y"); });
      return [x / c.length, y / c.length];
    }
    var main = comps[0], mc = centre(main), ds = main.map(function (n) {
      return Math.hypot(graph.getNodeAttribute(n, "x") - mc[0], graph.getNodeAttribute(n, "y") - mc[1]);
    }).sort(function (a, b) { return a - b; });
    var R = Math.max(10, ds[Math.floor(ds.length * 0.95)] || 10) * 1.15, rest = comps.slice(1);
    rest.forEach(function (c, i) {
      var cc = centre(c), ang = (2 * Math.PI * i) / rest.length, spread = 0;
      c.forEach(function (n) { spread = Math.max(spread, Math.hypot(graph.getNodeAttribute(n, "x") - cc[0], graph.getNodeAttribute(n, "y") - cc[1])); });
      var squeeze = spread > R * 0.3 ? (R * 0.3) / spread : 1;
      c.forEach(function (n) {
        graph.mergeNodeAttributes(n, { x: mc[0] + R * Math.cos(ang) + (graph.getNodeAttribute(n, "x") - cc[0]) * squeeze,
                                       y: mc[1] + R * Math.sin(ang) + (graph.getNodeAttribute(n, "y") - cc[1]) * squeeze });
      });
    });
  }
  function place(id, near) {
    var x = Math.random() * 10, y = Math.random() * 10;
    if (near && graph.hasNode(near)) {
      var a = graph.getNodeAttributes(near), r = 1 + Math.random() * 2, t = Math.random() * 2 * Math.PI;
      x = a.x + r * Math.cos(t); y = a.y + r * Math.sin(t);
    } else if (grouped) {
      return place(id, null);
    }
    return { x: x, y: y };
  }
  function groupPositions() {  /* communities start on a circle, members around their centre */
    var ids = {}, k = 0;
    graph.forEachNode(function (n, a) { var c = a.data && a.data.community; if (c && ids[c.id] === undefined) { ids[c.id] = k++; } });
    graph.forEachNode(function (n, a) {
      var c = a.data && a.data.community, i = c ? ids[c.id] : k, t = (2 * Math.PI * i) / (k + 1);
      graph.mergeNodeAttributes(n, { x: 100 * Math.cos(t) + Math.random() * 20, y: 100 * Math.sin(t) + Math.random() * 20 });
    });
    graph.forEachEdge(function (e, a, s, t, sa, ta) {
      var same = sa.data && ta.data && sa.data.community && ta.data.community && sa.data.community.id === ta.data.community.id;
      graph.setEdgeAttribute(e, "weight", same ? 3 : 0.2);
    });
  }

  // ------------------------------------------------------------------ graph changes and history
  var undoStack = [], redoStack = [];
  function snapshot() { return { g: graph.export(), styles: Object.assign({}, styles), expanded: Object.assign({}, state.expanded) }; }
  function restore(s) {
    if (layout) { layout.kill(); layout = null; }
    graph.clear();
    graph.import(s.g);
    styles = s.styles; state.expanded = s.expanded;
    selected.forEach(function (id) { if (!graph.hasNode(id)) { selected.delete(id); } });
    changed();
  }
  function remember() { undoStack.push(snapshot()); if (undoStack.length > 50) { undoStack.shift(); } redoStack = []; buttons(); }
  function undo() { if (!undoStack.length) { return; } redoStack.push(snapshot()); restore(undoStack.pop()); buttons(); say("undone"); }
  function redo() { if (!redoStack.length) { return; } undoStack.push(snapshot()); restore(redoStack.pop()); buttons(); say("redone"); }
  function buttons() {
    document.getElementById("b-undo").disabled = !undoStack.length;
    document.getElementById("b-redo").disabled = !redoStack.length;
  }
  var changeTimer = null;
  function changed() {
    moveSettings();
    rescale();
    refresh();
    clearTimeout(changeTimer);
    changeTimer = setTimeout(function () { buildFilters(); legend(); saveHash(); emit("change"); }, 60);
  }
  function putNode(n, near) {
    if (graph.hasNode(n.id)) {
      var old = graph.getNodeAttribute(n.id, "data");  /* an answer without communities keeps the known one */
      if (n.community === undefined && old && old.community !== undefined) { n.community = old.community; }
      graph.mergeNodeAttributes(n.id, { data: n, label: short(n.name || n.id) });
      return false;
    }
    var p = place(n.id, near);
    graph.addNode(n.id, { x: p.x, y: p.y, size: 4, label: short(n.name || n.id), data: n });
    return true;
  }
  function putEdge(e) {
    if (graph.hasEdge(e.id) || !graph.hasNode(e.source) || !graph.hasNode(e.target)) { return; }
    graph.addEdgeWithKey(e.id, e.source, e.target, {
      color: ENDED.indexOf(e.status) >= 0 ? "#cbd5e1" : (e.color || "#94a3b8"), size: 1, data: e, weight: 1 });
  }
  function addSubgraph(sub, near, noHistory) {
    if (!noHistory) { remember(); }
    var added = [];
    (sub.nodes || []).forEach(function (n) { if (putNode(n, near)) { added.push(n.id); } });
    (sub.edges || []).forEach(putEdge);
    changed();
    if (added.length) { autoFit = true; startLayout(); }
    return added;
  }

  // ------------------------------------------------------------------ search
  var q = document.getElementById("q"), results = document.getElementById("results");
  var timer = null, seq = 0, sel = -1;
  function renderResults(list, counts) {
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
      var h = el("h3", type + (counts && counts[type] ? " (" + counts[type] + (counts[type] > groups[type].length ? " match, " + groups[type].length + " shown" : "") + ")" : ""));
      h.setAttribute("data-type", type);
      results.appendChild(h);
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
  function mark() {
    results.querySelectorAll("li").forEach(function (li) {
      li.setAttribute("aria-selected", String(Number(li.getAttribute("data-index")) === sel));
    });
  }
  function search() {
    var text = q.value.trim(), my = ++seq;
    if (!text) { results.textContent = ""; state.results = []; state.searched = ""; return Promise.resolve(); }
    state.searchStarted = performance.now();
    return getJSON("/explore/search?q=" + encodeURIComponent(text)).then(function (d) {
      if (my !== seq) { return; }
      state.results = d.results;
      state.searched = text;
      sel = -1;
      renderResults(d.results, d.counts);  /* groups by type, best-ranked type first */
      state.searchMs = performance.now() - state.searchStarted;
      say(d.results.length + " found");
    }).catch(fail);
  }
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 120); });
  q.addEventListener("keydown", function (ev) {
    var n = state.results.length;
    if (ev.key === "ArrowDown" && n) { sel = (sel + 1) % n; mark(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp" && n) { sel = (sel - 1 + n) % n; mark(); ev.preventDefault(); }
    else if (ev.key === "Enter") {
      ev.preventDefault();
      clearTimeout(timer);
      var pick = function () { var r = state.results[sel >= 0 ? sel : 0]; if (r) { open(r.id); } };
      if (state.searched !== q.value.trim()) { search().then(pick); } else { pick(); }
    }
  });

  // ------------------------------------------------------------------ panel
  var info = document.getElementById("info");
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
  function button(text, id, onclick) { var b = el("button", text); b.type = "button"; if (id) { b.id = id; } b.addEventListener("click", onclick); return b; }
  function showPanel(d) {
    var n = d.node, id = encodeURIComponent(n.id);
    info.textContent = "";
    info.appendChild(el("h2", n.name || n.id));
    info.appendChild(el("p", [n.type, n.kind, n.country, n.id].filter(Boolean).join(" \u00b7 "), "hint"));
    if (n.community) { info.appendChild(el("p", "community " + n.community.name + " (" + n.community.size + " members)", "hint")); }
    var actions = el("p");
    actions.appendChild(button("Expand neighbours", "expand", function () { expand(n.id); }));
    actions.appendChild(button("Collapse", "collapse", function () { collapse(n.id); }));
    actions.appendChild(button(graph.hasNode(n.id) && graph.getNodeAttribute(n.id, "pinned") ? "Unpin" : "Pin", "pin",
                               function () { pin(n.id); showPanel(d); }));
    info.appendChild(actions);
    var links = el("p");
    links.appendChild(viewLink("ego view", "/viz/ego/" + id + "?depth=1"));
    if (n.type === "party") { links.appendChild(viewLink("concentration", "/viz/concentration/" + id)); }
    if (n.type === "project") { links.appendChild(viewLink("project view", "/viz/project/" + id)); }
    links.appendChild(viewLink("audit scope", "/audit?scope=" + id));
    info.appendChild(links);
    if (n.metrics) {
      info.appendChild(el("h3", "Measures"));
      info.appendChild(table(["measure", "value", "unit"], Object.keys(n.metrics).sort().map(function (k) {
        return [k, fmt(n.metrics[k]), unitOf(k)];
      })));
    }
    info.appendChild(el("h3", "Properties"));
    info.appendChild(table(["property", "value"], Object.keys(d.props).sort().map(function (k) {
      var v = d.props[k]; return [k, typeof v === "object" && v !== null ? JSON.stringify(v) : v];
    })));
    info.appendChild(el("h3", "Provenance"));
    info.appendChild(table(["", ""], [["file", d.provenance.source_file || "\u2014"],
      ["row", d.provenance.source_row === null || d.provenance.source_row === undefined ? "\u2014" : d.provenance.source_row],
      ["load", d.provenance.load_id || "\u2014"]]));
    info.appendChild(el("h3", "Relationships (" + d.total_relationships + ")"));
    info.appendChild(table(["kind", "", "other end", "details"], d.relationships.map(function (r) {
      var other = el("span", r.other_name, "link");
      other.setAttribute("data-id", r.other);
      other.addEventListener("click", function () { open(r.other); });
      var details = Object.keys(r.summary).map(function (k) { return k + " " + r.summary[k]; }).join(", ");
      return [r.kind, r.direction === "out" ? "\u2192" : "\u2190", other, details];
    })));
    if (d.total_relationships > d.relationships.length) {
      info.appendChild(el("p", "first " + d.relationships.length + " shown; expand the node to see the rest", "hint"));
    }
    info.querySelectorAll("span.link").forEach(function (s) { s.parentNode.className = "link"; });
  }
  function detail(id) {
    if (details[id]) { return Promise.resolve(details[id]); }
    return getJSON("/explore/node/" + encodeURIComponent(id)).then(function (d) { details[id] = d; return d; });
  }
  function centreOn(id) {
    var p = renderer.getNodeDisplayData(id);
    if (p) { renderer.getCamera().animate({ x: p.x, y: p.y, ratio: Math.min(1, renderer.getCamera().ratio) }, { duration: 200 }); }
  }
  function open(id) {
    return detail(id).then(function (d) {
      if (!graph.hasNode(d.node.id)) { addSubgraph({ nodes: [d.node], edges: [] }); }
      state.opened = d.node.id;
      select([d.node.id]);
      showPanel(d);
      centreOn(d.node.id);
      say("opened " + (d.node.name || d.node.id));
      saveHash();
      emit("open", d.node);
    }).catch(fail);
  }
  function select(ids, add) {
    if (!add) { selected.clear(); }
    ids.forEach(function (id) { if (selected.has(id) && add) { selected.delete(id); } else { selected.add(id); } });
    refresh();
    emit("select", Array.from(selected));
  }

  // ------------------------------------------------------------------ expand, collapse, pin
  function expand(id, opts) {
    opts = opts || {};
    var key = id + "|" + (opts.kind || "") + "|" + (opts.direction || "both");
    var from = opts.offset === undefined ? (state.expanded[key] || 0) : opts.offset;
    var url = "/explore/node/" + encodeURIComponent(id) + "/neighbours?offset=" + from + "&limit=" + cfg.limits.neighbours +
              (opts.kind ? "&kind=" + encodeURIComponent(opts.kind) : "") + (opts.direction ? "&direction=" + opts.direction : "");
    return getJSON(url).then(function (d) {
      remember();
      var moreId = MORE + key;
      if (graph.hasNode(moreId)) { graph.dropNode(moreId); }
      addSubgraph(d, id, true);
      if (d.next_offset !== null) {
        var a = graph.getNodeAttributes(id);
        graph.addNode(moreId, { x: a.x + 2, y: a.y + 2, size: 7, color: "#e2e8f0", forceLabel: true,
                                label: "and " + (d.total - d.next_offset) + " more",
                                more: { node: id, kind: opts.kind || "", direction: opts.direction || "", offset: d.next_offset } });
        graph.addEdgeWithKey(moreId + ":edge", id, moreId, { color: "#cbd5e1", size: 1, weight: 1 });
      }
      state.expanded[key] = d.next_offset === null ? 0 : d.next_offset;
      changed();
      startLayout();
      say(d.total + " neighbours" + (opts.kind ? " by " + opts.kind : "") + (opts.direction && opts.direction !== "both" ? " (" + opts.direction + ")" : "") +
          "; " + graph.order + " nodes on the canvas");
    }).catch(fail);
  }
  function collapse(id) {  /* drop the neighbours that hang only on this node (unless pinned, opened or selected) */
    if (!graph.hasNode(id)) { return; }
    remember();
    var drop = [];
    graph.forEachNeighbor(id, function (m, a) {
      var others = graph.neighbors(m).filter(function (x) { return x !== id; });
      if (!others.length && !a.pinned && m !== state.opened && !selected.has(m)) { drop.push(m); }
    });
    drop.forEach(function (m) { graph.dropNode(m); });
    Object.keys(state.expanded).forEach(function (k) { if (k.split("|")[0] === id) { delete state.expanded[k]; } });
    changed();
    say("collapsed " + drop.length + " nodes");
  }
  function pin(id, value) {
    if (!graph.hasNode(id)) { return; }
    remember();
    var v = value === undefined ? !graph.getNodeAttribute(id, "pinned") : value;
    graph.mergeNodeAttributes(id, { pinned: v, fixed: v });
    changed();
  }
  function hide(id) { if (graph.hasNode(id)) { remember(); graph.dropNode(id); selected.delete(id); changed(); } }

  // ------------------------------------------------------------------ mouse: click, double-click, context menu, drag
  var menu = document.getElementById("menu"), dragged = null, dragMoved = false;
  function closeMenu() { menu.hidden = true; menu.textContent = ""; }
  function menuItem(text, action) {
    var b = el("button", text); b.type = "button"; b.setAttribute("role", "menuitem");
    b.addEventListener("click", function () { closeMenu(); action(); });
    menu.appendChild(b);
  }
  function showMenu(id, x, y) {
    closeMenu();
    var a = graph.getNodeAttributes(id);
    if (a.more) { menuItem("Show the next page", function () { expandMore(a.more); }); }
    else {
      menuItem("Expand all", function () { expand(id); });
      menuItem("Expand outgoing \u2192", function () { expand(id, { direction: "out" }); });
      menuItem("Expand incoming \u2190", function () { expand(id, { direction: "in" }); });
      menuItem("Collapse", function () { collapse(id); });
      menuItem(a.pinned ? "Unpin" : "Pin", function () { pin(id); });
      menuItem("Hide", function () { hide(id); });
      var kinds = el("div", "loading relationship kinds\u2026", "hint");
      menu.appendChild(kinds);
      detail(id).then(function (d) {
        kinds.textContent = "";
        Object.keys(d.kinds || {}).sort().forEach(function (k) {
          ["out", "in"].forEach(function (dir) {
            var n = d.kinds[k][dir];
            if (!n) { return; }
            var b = el("button", k + (dir === "out" ? " \u2192 " : " \u2190 ") + "(" + n + ")");
            b.type = "button"; b.setAttribute("role", "menuitem");
            b.setAttribute("data-kind", k); b.setAttribute("data-direction", dir);
            b.addEventListener("click", function () { closeMenu(); expand(id, { kind: k, direction: dir }); });
            kinds.appendChild(b);
          });
        });
      }).catch(fail);
    }
    var box = container.getBoundingClientRect();
    menu.style.left = (box.left + x) + "px";
    menu.style.top = (box.top + y) + "px";
    menu.hidden = false;
    menu.setAttribute("data-node", id);
  }
  function expandMore(m) { return expand(m.node, { kind: m.kind, direction: m.direction, offset: m.offset }); }
  renderer.on("clickNode", function (p) {
    if (dragMoved) { return; }
    var a = graph.getNodeAttributes(p.node);
    if (a.more) { return; }
    if (p.event.original.shiftKey) { select([p.node], true); return; }
    if (p.node !== state.opened) { open(p.node); } else { select([p.node]); }
  });
  renderer.on("doubleClickNode", function (p) {
    p.preventSigmaDefault();
    var a = graph.getNodeAttributes(p.node);
    if (a.more) { expandMore(a.more); } else { expand(p.node); }
  });
  renderer.on("rightClickNode", function (p) {
    p.event.original.preventDefault();
    p.preventSigmaDefault();
    showMenu(p.node, p.event.x, p.event.y);
  });
  container.addEventListener("contextmenu", function (ev) { ev.preventDefault(); });
  renderer.on("clickStage", function () { closeMenu(); if (selected.size) { select([]); } });
  renderer.on("enterNode", function (p) { hovered = state.hovered = p.node; container.style.cursor = "pointer"; });
  renderer.on("leaveNode", function () { hovered = state.hovered = null; container.style.cursor = ""; });
  renderer.on("downNode", function (p) {  /* left button only: a right-click opens the menu, never drags */
    if (p.event.original.button === 0) { dragged = p.node; dragMoved = false; }
  });
  document.addEventListener("mouseup", function () { if (dragged && !dragMoved) { dragged = null; } });
  renderer.on("downStage", function () { autoFit = false; });  /* the user pans or zooms: leave the camera be */
  renderer.getMouseCaptor().on("wheel", function () { autoFit = false; });
  renderer.getMouseCaptor().on("mousemovebody", function (e) {
    if (!dragged) { return; }
    var pos = renderer.viewportToGraph(e);
    if (!dragMoved) { remember(); autoFit = false; if (!renderer.getCustomBBox()) { renderer.setCustomBBox(renderer.getBBox()); } }
    dragMoved = true;
    graph.mergeNodeAttributes(dragged, { x: pos.x, y: pos.y, pinned: true, fixed: true });
    e.preventSigmaDefault();
    e.original.preventDefault();
    e.original.stopPropagation();
  });
  renderer.getMouseCaptor().on("mouseup", function () {
    if (dragged && dragMoved) { changed(); say("pinned " + dragged + " where dropped"); }
    dragged = null;
    setTimeout(function () { dragMoved = false; }, 0);
  });
  document.addEventListener("keydown", function (ev) {
    var typing = ev.target && /^(INPUT|SELECT|TEXTAREA)$/.test(ev.target.tagName);
    if ((ev.ctrlKey || ev.metaKey) && (ev.key === "z" || ev.key === "Z") && !typing) {
      ev.preventDefault(); if (ev.shiftKey) { redo(); } else { undo(); }
    } else if ((ev.ctrlKey || ev.metaKey) && ev.key === "y" && !typing) { ev.preventDefault(); redo(); }
    else if (ev.key === "Escape") { closeMenu(); if (selected.size) { select([]); } }
  });
  document.addEventListener("click", function (ev) { if (!menu.contains(ev.target)) { closeMenu(); } });

  // ------------------------------------------------------------------ filters, styling, legend
  var filterBox = document.getElementById("filters"), legendEl = document.getElementById("legend");
  var sizeSel = document.getElementById("size-by"), colourSel = document.getElementById("colour-by");
  var DIMS = [["type", "Type"], ["kind", "Kind"], ["country", "Country"], ["status", "Status"], ["rel", "Relationship kind"]];
  function counts() {
    var c = { type: {}, kind: {}, country: {}, status: {}, rel: {} }, numeric = {};
    graph.forEachNode(function (n, a) {
      var d = a.data; if (!d) { return; }
      [["type", d.type], ["kind", d.kind], ["country", d.country], ["status", d.status]].forEach(function (p) {
        var v = p[1] || "\u2014"; c[p[0]][v] = (c[p[0]][v] || 0) + 1;
      });
      Object.keys(d.metrics || {}).forEach(function (k) { if (typeof d.metrics[k] === "number") { numeric[k] = true; } });
    });
    graph.forEachEdge(function (e, a) { var d = a.data; if (d) { c.rel[d.kind] = (c.rel[d.kind] || 0) + 1; } });
    return { c: c, numeric: Object.keys(numeric).sort() };
  }
  function buildFilters() {
    var k = counts();
    var box = document.getElementById("filter-values");
    box.textContent = "";
    DIMS.forEach(function (dim) {
      var values = Object.keys(k.c[dim[0]]).sort();
      Object.keys(filters[dim[0]]).forEach(function (v) { if (values.indexOf(v) < 0) { values.push(v); } });
      if (!values.length) { return; }
      var fs = el("fieldset"); fs.appendChild(el("legend", dim[1]));
      fs.setAttribute("data-dim", dim[0]);
      values.forEach(function (v) {
        var lab = el("label"), cb = el("input");
        cb.type = "checkbox"; cb.checked = !filters[dim[0]][v]; cb.value = v;
        cb.addEventListener("change", function () {
          if (cb.checked) { delete filters[dim[0]][v]; } else { filters[dim[0]][v] = true; }
          changed();
        });
        lab.appendChild(cb); lab.appendChild(document.createTextNode(" " + v + " (" + (k.c[dim[0]][v] || 0) + ")"));
        fs.appendChild(lab);
      });
      box.appendChild(fs);
    });
    [[sizeSel, style.size, ["degree"]], [colourSel, style.color, ["type", "community"]]].forEach(function (s) {
      var keep = s[1];
      s[0].textContent = "";
      s[2].concat(k.numeric.filter(function (x) { return s[2].indexOf(x) < 0; })).forEach(function (key) {
        var o = el("option", key === "type" ? "type and kind" : ruleOf(key).label); o.value = key; s[0].appendChild(o);
      });
      if (Array.prototype.some.call(s[0].options, function (o) { return o.value === keep; })) { s[0].value = keep; }
      else { var o2 = el("option", keep); o2.value = keep; s[0].appendChild(o2); s[0].value = keep; }
    });
    var amountUnit = document.getElementById("amount-unit");
    amountUnit.textContent = money.currency ? "(" + money.currency + ", reporting currency)" : "";
  }
  function numberOrNull(v) { v = String(v).trim(); return v === "" || isNaN(Number(v)) ? null : Number(v); }
  document.getElementById("amount-min").addEventListener("change", function (ev) { filters.amountMin = numberOrNull(ev.target.value); changed(); });
  document.getElementById("amount-max").addEventListener("change", function (ev) { filters.amountMax = numberOrNull(ev.target.value); changed(); });
  sizeSel.addEventListener("change", function () { style.size = sizeSel.value; changed(); });
  colourSel.addEventListener("change", function () { style.color = colourSel.value; changed(); });
  function swatch(colour, text) {
    var row = el("div", null, "row"), sw = el("span", null, "sw");
    sw.style.background = colour; row.appendChild(sw); row.appendChild(document.createTextNode(text)); return row;
  }
  function legend() {
    legendEl.textContent = "";
    legendEl.appendChild(el("div", "Size: " + ruleOf(style.size).label + " \u2014 " + unitOf(style.size) +
      (scales.size ? "; " + fmt(scales.size[0]) + " to " + fmt(scales.size[1]) : "") + " (" + scaleText(style.size) + ")", "rule"));
    if (style.color === "type") {
      legendEl.appendChild(el("div", "Colour: type and party kind", "rule"));
      var seen = {};
      graph.forEachNode(function (n, a) {
        var d = a.data; if (!d) { return; }
        var key = d.type === "party" ? (d.kind || "other") : d.type;
        if (!seen[key]) { seen[key] = baseColour(d); }
      });
      Object.keys(seen).sort().forEach(function (k) { legendEl.appendChild(swatch(seen[k], k)); });
    } else if (style.color === "community") {
      legendEl.appendChild(el("div", "Colour: Louvain community (id \u00b7 best-connected member)", "rule"));
      var comms = {};
      graph.forEachNode(function (n, a) { var c = a.data && a.data.community; if (c) { comms[c.id] = comms[c.id] || { c: c, n: 0 }; comms[c.id].n++; } });
      Object.keys(comms).map(function (k) { return comms[k]; }).sort(function (a, b) { return b.n - a.n; }).slice(0, 14).forEach(function (x) {
        var row = swatch(communityColour(x.c), x.c.name + " \u2014 " + x.n + " shown of " + x.c.size);
        row.setAttribute("data-community", String(x.c.id));
        legendEl.appendChild(row);
      });
    } else {
      legendEl.appendChild(el("div", "Colour: " + ruleOf(style.color).label + " \u2014 " + unitOf(style.color) +
        " (" + scaleText(style.color) + ")", "rule"));
      if (scales.color) {
        legendEl.appendChild(swatch(ramp(0, style.color), "low " + fmt(scales.color[0])));
        legendEl.appendChild(swatch(ramp(1, style.color), "high " + fmt(scales.color[1])));
      }
      legendEl.appendChild(swatch("#d1d5db", "no value"));
    }
  }

  // ------------------------------------------------------------------ state, URL, saved views
  function getState() {
    var cam = renderer.getCamera().getState(), pinned = [];
    var nodes = graph.filterNodes(function (n, a) { if (a.pinned && !a.more) { pinned.push(n); } return !a.more; });
    return { v: 1, nodes: nodes, pinned: pinned, opened: state.opened, filters: JSON.parse(JSON.stringify(filters)),
             style: Object.assign({}, style), grouped: grouped,
             camera: { x: +cam.x.toFixed(4), y: +cam.y.toFixed(4), ratio: +cam.ratio.toFixed(4) },
             tools: JSON.parse(JSON.stringify(tools)) };
  }
  function setState(s) {
    s = s || {};
    if (s.filters) { Object.keys(filters).forEach(function (k) { if (s.filters[k] !== undefined) { filters[k] = s.filters[k]; } }); }
    if (s.style) { style.size = s.style.size || style.size; style.color = s.style.color || style.color; }
    if (s.grouped !== undefined) { grouped = !!s.grouped; }
    if (s.tools !== undefined) { tools = s.tools || {}; }
    if (s.nodes === undefined) { changed(); return Promise.resolve(); }  /* filters/styling/tools only */
    document.getElementById("amount-min").value = filters.amountMin === null ? "" : filters.amountMin;
    document.getElementById("amount-max").value = filters.amountMax === null ? "" : filters.amountMax;
    var ids = (s.nodes || []).filter(function (id) { return typeof id === "string" && id.indexOf(MORE) !== 0; });
    var load = ids.length ? getJSON("/explore/subgraph?ids=" + ids.map(encodeURIComponent).join(",")) : Promise.resolve({ nodes: [], edges: [] });
    return load.then(function (d) {
      remember();
      graph.clear();
      addSubgraph(d, null, true);
      (s.pinned || []).forEach(function (id) { if (graph.hasNode(id)) { graph.mergeNodeAttributes(id, { pinned: true }); } });
      if (grouped) { groupPositions(); }
      changed();
      startLayout();
      if (s.opened && graph.hasNode(s.opened)) { return open(s.opened); }
    }).then(function () { emit("change"); }).catch(fail);
  }
  var hashTimer = null, restoring = false;
  function saveHash() {
    if (restoring) { return; }
    clearTimeout(hashTimer);
    hashTimer = setTimeout(function () {
      var text = "#view=" + encodeURIComponent(JSON.stringify(getState()));
      if (location.hash !== text) { history.replaceState(null, "", text); }
    }, 250);
  }
  function readHash() {
    var m = /^#view=(.*)$/.exec(location.hash);
    if (!m) { return null; }
    try { return JSON.parse(decodeURIComponent(m[1])); } catch (e) { fail("the link's view could not be read: " + e.message); return null; }
  }
  var STORE = "stakegraph.explore.views";
  function views() { try { return JSON.parse(localStorage.getItem(STORE) || "{}"); } catch (e) { return {}; } }
  function listViews() {
    var s = document.getElementById("saved"), v = views();
    s.textContent = "";
    Object.keys(v).sort().forEach(function (name) { var o = el("option", name); o.value = name; s.appendChild(o); });
  }
  document.getElementById("b-save").addEventListener("click", function () {
    var name = document.getElementById("view-name").value.trim();
    if (!name) { say("name the view first"); return; }
    var v = views(); v[name] = getState(); localStorage.setItem(STORE, JSON.stringify(v)); listViews();
    document.getElementById("saved").value = name; say("saved view " + name);
  });
  document.getElementById("b-load").addEventListener("click", function () {
    var name = document.getElementById("saved").value, v = views();
    if (v[name]) { setState(v[name]).then(function () { say("loaded view " + name); }); }
  });
  document.getElementById("b-delete").addEventListener("click", function () {
    var name = document.getElementById("saved").value, v = views();
    delete v[name]; localStorage.setItem(STORE, JSON.stringify(v)); listViews();
  });

  // ------------------------------------------------------------------ export: PNG, SVG, CSV
  function visible() {
    settleNow();
    var nodes = [], edges = [], w = container.clientWidth, h = container.clientHeight;
    graph.forEachNode(function (n, a) {
      var r = renderer.getNodeDisplayData(n);
      if (!r || r.hidden) { return; }
      var p = renderer.graphToViewport(a), size = renderer.scaleSize(r.size);
      if (p.x < -size || p.y < -size || p.x > w + size || p.y > h + size) { return; }
      nodes.push({ id: n, x: p.x, y: p.y, size: size, color: r.color, label: r.label || "", a: a });
    });
    var on = {}; nodes.forEach(function (n) { on[n.id] = n; });
    graph.forEachEdge(function (e, a, s, t) {
      var r = renderer.getEdgeDisplayData(e);
      if (!r || r.hidden || !on[s] || !on[t]) { return; }
      edges.push({ id: e, s: on[s], t: on[t], color: r.color, a: a, source: s, target: t });
    });
    return { nodes: nodes, edges: edges, w: w, h: h };
  }
  function download(name, blob) {
    var url = URL.createObjectURL(blob), a = el("a");
    a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    state.lastExport = name;
  }
  function exportSVG() {
    var v = visible(), NS = "http://www.w3.org/2000/svg", svg = document.createElementNS(NS, "svg");
    svg.setAttribute("xmlns", NS); svg.setAttribute("width", v.w); svg.setAttribute("height", v.h);
    svg.setAttribute("viewBox", "0 0 " + v.w + " " + v.h);
    var bg = document.createElementNS(NS, "rect"); bg.setAttribute("width", v.w); bg.setAttribute("height", v.h); bg.setAttribute("fill", "#fff"); svg.appendChild(bg);
    v.edges.forEach(function (e) {
      var l = document.createElementNS(NS, "line");
      l.setAttribute("x1", e.s.x.toFixed(1)); l.setAttribute("y1", e.s.y.toFixed(1)); l.setAttribute("x2", e.t.x.toFixed(1)); l.setAttribute("y2", e.t.y.toFixed(1));
      l.setAttribute("stroke", e.color || "#94a3b8"); l.setAttribute("stroke-width", "1"); svg.appendChild(l);
    });
    v.nodes.forEach(function (n) {
      var c = document.createElementNS(NS, "circle");
      c.setAttribute("cx", n.x.toFixed(1)); c.setAttribute("cy", n.y.toFixed(1)); c.setAttribute("r", n.size.toFixed(1)); c.setAttribute("fill", n.color);
      var t = document.createElementNS(NS, "title"); t.textContent = n.a.data ? (n.a.data.name || n.id) : n.label; c.appendChild(t);
      svg.appendChild(c);
      if (n.label) {
        var tx = document.createElementNS(NS, "text");
        tx.setAttribute("x", (n.x + n.size + 3).toFixed(1)); tx.setAttribute("y", (n.y + 4).toFixed(1));
        tx.setAttribute("font-size", "12"); tx.setAttribute("font-family", "sans-serif"); tx.textContent = n.label;
        svg.appendChild(tx);
      }
    });
    var text = new XMLSerializer().serializeToString(svg);
    state.lastSVG = text;
    download("explorer.svg", new Blob([text], { type: "image/svg+xml" }));
  }
  function exportPNG() {
    var v = visible(), c = document.createElement("canvas"), ratio = window.devicePixelRatio || 1;
    c.width = v.w * ratio; c.height = v.h * ratio;
    var g = c.getContext("2d"); g.scale(ratio, ratio);
    g.fillStyle = "#fff"; g.fillRect(0, 0, v.w, v.h);
    v.edges.forEach(function (e) { g.strokeStyle = e.color || "#94a3b8"; g.beginPath(); g.moveTo(e.s.x, e.s.y); g.lineTo(e.t.x, e.t.y); g.stroke(); });
    g.font = "12px " + cfg.style.font;
    v.nodes.forEach(function (n) {
      g.fillStyle = n.color; g.beginPath(); g.arc(n.x, n.y, n.size, 0, 2 * Math.PI); g.fill();
      if (n.label) { g.fillStyle = "#111"; g.fillText(n.label, n.x + n.size + 3, n.y + 4); }
    });
    c.toBlob(function (b) { state.lastPNGBytes = b.size; download("explorer.png", b); }, "image/png");
  }
  function cell(v) {  /* formula-safe like stakegraph.export.neutralise, then CSV-quoted */
    if (v === null || v === undefined) { return ""; }
    var s = typeof v === "number" ? String(v) : String(v);
    if (typeof v !== "number" && /^[=+\-@\t\r]/.test(s)) { s = "'" + s; }
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function csv(rows) { return rows.map(function (r) { return r.map(cell).join(","); }).join("\r\n") + "\r\n"; }
  function exportCSV() {
    var v = visible(), keys = {};
    v.nodes.forEach(function (n) { Object.keys((n.a.data && n.a.data.metrics) || {}).forEach(function (k) { keys[k] = true; }); });
    var mk = Object.keys(keys).sort();
    var nodeRows = [["id", "name", "type", "kind", "country", "status", "community"].concat(mk.map(function (k) {
      return k + (k === "exposure" || cfg.money.indexOf(k) >= 0 ? " (" + (money.currency || "") + ")" : "");
    }))];
    v.nodes.forEach(function (n) {
      var d = n.a.data; if (!d) { return; }
      nodeRows.push([d.id, d.name, d.type, d.kind, d.country, d.status, d.community ? d.community.name : ""].concat(mk.map(function (k) { return d.metrics ? d.metrics[k] : null; })));
    });
    var edgeRows = [["id", "source", "target", "kind", "status", "amount (" + (money.currency || "") + ")"]];
    v.edges.forEach(function (e) { var d = e.a.data; if (d) { edgeRows.push([d.id, d.source, d.target, d.kind, d.status, d.amount]); } });
    state.lastCSV = { nodes: csv(nodeRows), edges: csv(edgeRows) };
    state.lastCSVIds = nodeRows.slice(1).map(function (r) { return r[0]; });
    download("explorer-nodes.csv", new Blob([state.lastCSV.nodes], { type: "text/csv" }));
    download("explorer-edges.csv", new Blob([state.lastCSV.edges], { type: "text/csv" }));
  }

  // ------------------------------------------------------------------ toolbar
  function fit() { renderer.setCustomBBox(null); renderer.getCamera().animatedReset({ duration: 150 }); }
  document.getElementById("b-undo").addEventListener("click", undo);
  document.getElementById("b-redo").addEventListener("click", redo);
  document.getElementById("b-fit").addEventListener("click", fit);
  document.getElementById("b-layout").addEventListener("click", function () { if (layout) { stopLayout(); } else { startLayout(); } });
  document.getElementById("b-group").addEventListener("click", function () {
    grouped = !grouped;
    document.getElementById("b-group").setAttribute("aria-pressed", String(grouped));
    if (grouped) { style.color = "community"; groupPositions(); }
    else { graph.forEachEdge(function (e) { graph.setEdgeAttribute(e, "weight", 1); }); }
    changed(); startLayout();
  });
  document.getElementById("b-png").addEventListener("click", exportPNG);
  document.getElementById("b-svg").addEventListener("click", exportSVG);
  document.getElementById("b-csv").addEventListener("click", exportCSV);
  document.getElementById("b-link").addEventListener("click", function () {
    var link = location.href.split("#")[0] + "#view=" + encodeURIComponent(JSON.stringify(getState()));
    history.replaceState(null, "", link);
    state.lastLink = link;
    if (navigator.clipboard) { navigator.clipboard.writeText(link).catch(function () { /* not allowed: the address bar has it */ }); }
    say("the address bar holds this view's link");
  });

  // ------------------------------------------------------------------ the hook API
  window.SG = {
    graph: graph,
    renderer: renderer,
    money: money,
    refresh: refresh,
    addSubgraph: function (sub) { return addSubgraph(sub, null, false); },
    selected: function () { return Array.from(selected); },
    select: function (ids) { select(ids || []); },
    setNodeStyle: function (id, s) { styles[id] = Object.assign({}, styles[id] || {}, s); refresh(); },
    clearStyles: function () { styles = {}; refresh(); },
    highlight: function (nodeIds, edgeIds) {
      focus = nodeIds || edgeIds ? { nodes: new Set(nodeIds || []), edges: new Set(edgeIds || []) } : null;
      refresh();
    },
    on: function (event, cb) { (listeners[event] = listeners[event] || []).push(cb); },
    getState: getState,
    setState: function (s) { return setState(s); },
    setTools: function (t) { tools = t || {}; saveHash(); },
    open: open, expand: expand, collapse: collapse, pin: pin, undo: undo, redo: redo, fit: fit,
    renderMode: setRenderMode, startLayout: startLayout, stopLayout: stopLayout, exportSVG: exportSVG, exportPNG: exportPNG, exportCSV: exportCSV
  };
  Object.defineProperty(window.SG, "tools", { get: function () { return tools; }, set: function (t) { tools = t || {}; saveHash(); } });

  buttons();
  listViews();
  changed();
  var initial = readHash();
  state.ready = true;
  if (initial) { restoring = true; setState(initial).finally(function () { restoring = false; saveHash(); }); }
  else if (cfg.start) { open(cfg.start); }
})();
