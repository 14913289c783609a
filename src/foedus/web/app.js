/* foedus web page: three views over the HTTP API, drawn with plain DOM and SVG (no library).
 *
 *   #/scenario?on=YYYY-MM-DD&target=…&attacker=…   obligation network and attack cascade
 *   #/treaty/<ref>                                 a treaty: members over time, sources, lineage
 *   #/dyad?a=…&b=…                                 the treaty history of a pair of states
 */
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const FIRST_DAY = "1816-01-01";
const TYPES = ["defense", "offense", "neutrality", "non-aggression", "consultation"];
const TYPE_DASH = { attack: "", defense: "", offense: "10 5", neutrality: "2 4", "non-aggression": "1 3", consultation: "7 3 2 3" };
const ROUND_COLOURS = ["#b83227", "#1f6fb2", "#e08a1e", "#7d3c98", "#138d75", "#6d4c41", "#455a64"];
const OFF_COLOUR = "#a7adb6";
const IN_FORCE_COLOUR = "#4a6fa5";
const shown = { defense: true, offense: true, neutrality: true, "non-aggression": false, consultation: false, unmet: true };

// ---- small helpers ---------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c) el.append(c);
  return el;
}

const $ = (sel) => document.querySelector(sel);
const roundColour = (r) => ROUND_COLOURS[Math.min(r, ROUND_COLOURS.length - 1)];
const todayIso = () => new Date().toISOString().slice(0, 10);
const dayNumber = (iso) => Math.round((Date.parse(iso + "T00:00:00Z") - Date.parse(FIRST_DAY + "T00:00:00Z")) / 86400000);
const dayFromNumber = (n) => new Date(Date.parse(FIRST_DAY + "T00:00:00Z") + n * 86400000).toISOString().slice(0, 10);
const year = (iso) => (iso ? Number(iso.slice(0, 4)) : null);

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

async function api(path, body) {
  const init = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch(path, init);
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function treatyLink(id, label) {
  return h("a", { href: `#/treaty/${encodeURIComponent(id)}`, class: "treaty-link", "data-treaty": id }, label || id);
}

// A source's day: its publication date, or the day an undated page was read.
const sourceDay = (src) => src.date ? `, ${src.date}` : (src.accessed ? `, accessed ${src.accessed}` : "");

function sourceLinks(sources) {
  const out = h("span", { class: "srcs" });
  for (const src of sources || []) {
    const label = src.publisher ? `${src.publisher}${sourceDay(src)}` : (src.title || src.id);
    if (src.url) out.append(h("a", { href: src.url, target: "_blank", rel: "noopener noreferrer", title: src.title || "", class: "source" }, `[${label}]`));
    else out.append(h("span", { class: "source", title: src.id }, `[${label}]`), " ");
  }
  return out;
}

function setStatus(el, text, isError) {
  el.textContent = text || "";
  el.classList.toggle("error", !!isError);
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query] = raw.split("?");
  const parts = (path || "scenario").split("/").map(decodeURIComponent);
  return { view: parts[0] || "scenario", arg: parts.slice(1).join("/"), params: new URLSearchParams(query || "") };
}

function setHash(view, params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
  const next = `#/${view}${q ? "?" + q : ""}`;
  if (location.hash !== next) history.replaceState(null, "", next);
}

// ---- start-up --------------------------------------------------------------------------------

async function loadStates() {
  try {
    const states = await api("/api/states");
    const list = $("#state-names");
    for (const st of states) list.append(h("option", { value: st.name }, `${st.name} (${st.ccode}, ${st.years})`));
  } catch (e) { /* the datalist is a convenience */ }
  try {
    const info = await api("/api");
    $("#build-info").textContent = `foedus ${info.version}; store built ${info.built_at || "?"}; ATOP observes to ${info.atop_coverage_end}.`;
  } catch (e) { /* ignore */ }
}

function route() {
  const { view, arg, params } = parseHash();
  const known = ["scenario", "treaty", "dyad"].includes(view) ? view : "scenario";
  for (const v of ["scenario", "treaty", "dyad"]) $(`#view-${v}`).hidden = v !== known;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.nav === known);
  if (known === "scenario") enterScenario(params);
  if (known === "treaty") showTreaty(arg || params.get("id") || "NATO");
  if (known === "dyad") enterDyad(params);
}

document.addEventListener("DOMContentLoaded", () => {
  const slider = $("#day-slider");
  slider.max = String(dayNumber(todayIso()));
  $("#day").max = todayIso();
  slider.addEventListener("input", () => { $("#day").value = dayFromNumber(Number(slider.value)); });
  slider.addEventListener("change", () => { if ($("#target").value.trim()) runScenario(); });
  $("#day").addEventListener("change", () => {
    if ($("#day").value) slider.value = String(dayNumber($("#day").value));
  });
  $("#scenario-form").addEventListener("submit", (ev) => { ev.preventDefault(); runScenario(); });
  $("#treaty-search").addEventListener("submit", (ev) => { ev.preventDefault(); searchTreaties($("#treaty-q").value); });
  $("#dyad-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    setHash("dyad", { a: $("#dyad-a").value.trim(), b: $("#dyad-b").value.trim(), bilateral: $("#dyad-bilateral").checked ? "1" : "" });
    showDyad();
  });
  buildLegend();
  window.addEventListener("hashchange", route);
  loadStates();
  route();
});

// ---- scenario view ---------------------------------------------------------------------------

let lastGraph = null;

function enterScenario(params) {
  const day = params.get("on") || $("#day").value || "2025-01-01";
  $("#day").value = day;
  $("#day-slider").value = String(dayNumber(day));
  if (params.has("target")) {
    // a link names the whole scenario: fields it leaves out are empty
    $("#target").value = params.get("target");
    $("#attacker").value = params.get("attacker") || "";
    $("#location").value = params.get("location") || "";
    $("#without").value = params.get("without") || "";
  }
  if ($("#target").value.trim() && params.has("target")) runScenario();
  else if (!lastGraph) drawEmpty("Pick a day, a target and an attacker, then press Run.");
}

async function resolveInput(input, note, day) {
  const q = input.value.trim();
  if (!q) return null;
  try {
    const r = await api(`/api/resolve?q=${encodeURIComponent(q)}&on=${encodeURIComponent(day)}`);
    note.textContent = `${r.name} (COW ${r.ccode})`;
    return r;
  } catch (e) {
    note.textContent = "";
    if (e instanceof ApiError && e.body.candidates) offerCandidates(input, e.body.candidates);
    throw e;
  }
}

function offerCandidates(input, candidates) {
  const box = $("#candidates");
  box.replaceChildren(h("span", { class: "small" }, `“${input.value}” may mean: `));
  for (const c of candidates) {
    box.append(h("button", { type: "button", onclick: () => { input.value = String(c.ccode); box.hidden = true; runScenario(); } },
      `${c.name} (${c.ccode}, ${c.years})`));
  }
  box.hidden = false;
}

let runSeq = 0;

async function runScenario() {
  const seq = ++runSeq;
  const status = $("#status");
  const day = $("#day").value;
  $("#candidates").hidden = true;
  $("#network").removeAttribute("data-ready");
  if (!day) { setStatus(status, "Pick a day.", true); return; }
  setHash("scenario", { on: day, target: $("#target").value.trim(), attacker: $("#attacker").value.trim(),
    location: $("#location").value, without: $("#without").value.trim() });
  setStatus(status, "working…");
  try {
    const target = await resolveInput($("#target"), $("#target-resolved"), day);
    const attacker = await resolveInput($("#attacker"), $("#attacker-resolved"), day);
    if (!target) throw new Error("Name a target state.");
    const obligations = api(`/api/obligations?state=${target.ccode}&on=${day}`);
    if (attacker) {
      const body = { target: String(target.ccode), attacker: String(attacker.ccode), on: day, escalation: $("#escalation").value };
      if ($("#location").value) body.location = $("#location").value;
      if ($("#without").value.trim()) body.counterfactual = { without_treaties: [$("#without").value.trim()] };
      const result = await api("/api/scenario", body);
      if (seq !== runSeq) return;
      lastGraph = result.graph;
      drawScenario(result.graph, target.ccode);
      showScenarioDetails(result, target, attacker);
      const r = result.graph;
      const joined = r.nodes.filter((n) => n.round && n.round > 0).length;
      setStatus(status, `${attacker.name} attacks ${target.name} on ${day}: ${joined} state(s) bound to join, ${r.rounds} round(s) evaluated.`);
    } else {
      const data = await obligations;
      if (seq !== runSeq) return;
      lastGraph = null;
      drawObligationNetwork(data);
      showObligationSummary(data);
      setStatus(status, `${data.count} obligation(s) owed to or by ${data.state.name} on ${day}. Name an attacker to run a scenario.`);
    }
    showObligationTable(await obligations);
    $("#network").setAttribute("data-ready", attacker ? "scenario" : "obligations");
  } catch (e) {
    if (seq !== runSeq) return;
    setStatus(status, e.message, true);
    $("#network").setAttribute("data-ready", "error");
  }
}

// layout: defenders to the left, attackers to the right, one column per round; states outside the war below.
function layoutScenario(graph) {
  const W = 960, H = 620, cx = W / 2, top = 50, warBottom = 430;
  const pos = {};
  const belligerents = graph.nodes.filter((n) => n.side);
  const outside = graph.nodes.filter((n) => !n.side);
  const columns = {};
  for (const n of belligerents) {
    const key = `${n.side}:${n.round || 0}`;
    (columns[key] = columns[key] || []).push(n);
  }
  const maxRound = Math.max(1, ...belligerents.map((n) => n.round || 0));
  const step = Math.min(150, (cx - 90) / (maxRound + 0.5));
  for (const [key, nodes] of Object.entries(columns)) {
    const [side, rnd] = key.split(":");
    const dir = side === "defender" ? -1 : 1;
    const x = cx + dir * (70 + Number(rnd) * step);
    nodes.sort((a, b) => a.name.localeCompare(b.name));
    const gap = (warBottom - top) / (nodes.length + 1);
    nodes.forEach((n, i) => { pos[n.ccode] = { x, y: top + gap * (i + 1) }; });
  }
  const perRow = 10;
  const rows = Math.ceil(outside.length / perRow);
  outside.sort((a, b) => a.name.localeCompare(b.name));
  outside.forEach((n, i) => {
    const row = Math.floor(i / perRow), inRow = Math.min(perRow, outside.length - row * perRow);
    const gap = (W - 80) / inRow;
    pos[n.ccode] = { x: 40 + gap * (i % perRow + 0.5), y: warBottom + 70 + row * Math.min(60, 120 / Math.max(1, rows - 1 || 1)) };
  });
  return pos;
}

function arrowDefs(svg, colours) {
  const defs = s("defs");
  for (const c of colours) {
    defs.append(s("marker", { id: `arrow-${c.replace("#", "")}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      s("path", { d: "M0,0 L10,5 L0,10 z", fill: c })));
  }
  svg.append(defs);
}

function edgePath(a, b, bend, r1, r2) {
  const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
  const ux = dx / len, uy = dy / len;
  const sx = a.x + ux * r1, sy = a.y + uy * r1, ex = b.x - ux * (r2 + 2), ey = b.y - uy * (r2 + 2);
  const mx = (sx + ex) / 2 - uy * bend, my = (sy + ey) / 2 + ux * bend;
  return `M${sx.toFixed(1)},${sy.toFixed(1)} Q${mx.toFixed(1)},${my.toFixed(1)} ${ex.toFixed(1)},${ey.toFixed(1)}`;
}

function nodeRadius(n) { return n.target || n.attacker ? 20 : n.side ? 16 : 12; }

function drawEmpty(text) {
  const svg = $("#network");
  svg.replaceChildren(s("text", { x: 480, y: 310, "text-anchor": "middle", class: "empty-note", text }));
}

function drawScenario(graph, targetCode) {
  const svg = $("#network");
  svg.replaceChildren();
  const pos = layoutScenario(graph);
  arrowDefs(svg, [...ROUND_COLOURS, OFF_COLOUR]);
  const W = 960;
  svg.append(s("text", { x: 20, y: 24, class: "band-label", text: "DEFENDING SIDE  ←" }));
  svg.append(s("text", { x: W - 20, y: 24, "text-anchor": "end", class: "band-label", text: "→  ATTACKING SIDE" }));
  svg.append(s("line", { x1: W / 2, y1: 36, x2: W / 2, y2: 440, class: "band-line" }));
  if (graph.nodes.some((n) => !n.side)) {
    svg.append(s("line", { x1: 20, y1: 462, x2: W - 20, y2: 462, class: "band-line" }));
    svg.append(s("text", { x: 20, y: 480, class: "band-label", text: "NOT AT WAR: pledges weighed but not triggered, undecided, or neutral" }));
  }
  const byCode = Object.fromEntries(graph.nodes.map((n) => [n.ccode, n]));
  const edgeLayer = s("g", { class: "edges" });
  const pairCount = {};
  for (const e of graph.edges) {
    const a = pos[e.from], b = pos[e.to];
    if (!a || !b) continue;
    const key = [Math.min(e.from, e.to), Math.max(e.from, e.to)].join("-");
    const k = (pairCount[key] = (pairCount[key] || 0) + 1);
    const bend = (e.from < e.to ? 1 : -1) * (14 + 12 * (k - 1));
    const off = e.status === "unmet";
    const colour = off ? OFF_COLOUR : roundColour(e.round);
    const type = e.obligation;
    const path = s("path", {
      class: `edge type-${type} status-${e.status}`, d: edgePath(a, b, bend, nodeRadius(byCode[e.from]), nodeRadius(byCode[e.to])),
      stroke: colour, "stroke-dasharray": TYPE_DASH[type] || "", "stroke-opacity": e.status === "undecided" ? 0.55 : 1,
      "marker-end": `url(#arrow-${colour.replace("#", "")})`,
      "data-from": e.from, "data-to": e.to, "data-obligation": type, "data-round": e.round, "data-status": e.status,
      "data-treaty": e.treaty_id || "", "data-joined": e.joined ? "1" : "0",
      onclick: () => showEdge(e, byCode),
    }, s("title", { text: edgeTitle(e, byCode) }));
    edgeLayer.append(path);
  }
  svg.append(edgeLayer);
  const nodeLayer = s("g", { class: "nodes" });
  for (const n of graph.nodes) {
    const p = pos[n.ccode];
    const classes = ["node", `side-${n.side || "none"}`];
    if (n.target) classes.push("is-target");
    if (n.attacker) classes.push("is-attacker");
    if (n.conflict) classes.push("conflict");
    const r = nodeRadius(n);
    const label = n.name.length > 22 ? n.name.slice(0, 21) + "…" : n.name;
    nodeLayer.append(s("g", {
      class: classes.join(" "), transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`,
      "data-ccode": n.ccode, "data-side": n.side || "none", "data-round": n.round === null ? "" : n.round,
      onclick: () => { $("#target").value = n.name; },
    },
    s("title", { text: `${n.name} (COW ${n.ccode})${n.side ? ` — ${n.side}s' side, round ${n.round}` : " — not at war"}${n.conflict ? "; conflict: " + n.conflict : ""}` }),
    s("circle", { r }),
    s("text", { y: 4, "text-anchor": "middle", class: "code", text: n.ccode }),
    s("text", { y: r + 13, "text-anchor": "middle", class: "name", text: label })));
  }
  svg.append(nodeLayer);
  applyFilters();
  updateLegend(true, graph.rounds);
}

function edgeTitle(e, byCode) {
  const from = byCode[e.from] ? byCode[e.from].name : e.from, to = byCode[e.to] ? byCode[e.to].name : e.to;
  if (e.obligation === "attack") return `${from} attacks ${to} (round 0)`;
  return `${from} → ${to}: ${e.obligation} (${e.status}), round ${e.round}, ${e.treaty || ""}${e.article ? ", art. " + e.article : ""}`;
}

function drawObligationNetwork(data) {
  const svg = $("#network");
  svg.replaceChildren();
  arrowDefs(svg, [IN_FORCE_COLOUR, "#2e8b57"]);
  const me = data.state.ccode;
  const partners = new Map();
  const edges = new Map();
  for (const r of data.rows) {
    const other = r.obligor === me ? r.beneficiary : r.obligor;
    partners.set(other, other === r.obligor ? r.obligor_name : r.beneficiary_name);
    const key = `${r.obligor}-${r.beneficiary}-${r.obligation}`;
    if (!edges.has(key)) edges.set(key, r);
  }
  const W = 960, H = 620, cx = W / 2, cy = 300;
  const pos = { [me]: { x: cx, y: cy } };
  const list = [...partners.entries()].sort((a, b) => a[1].localeCompare(b[1]));
  const R = Math.min(260, 110 + list.length * 4);
  list.forEach(([code], i) => {
    const t = (2 * Math.PI * i) / Math.max(1, list.length) - Math.PI / 2;
    pos[code] = { x: cx + R * 1.45 * Math.cos(t), y: cy + R * Math.sin(t) };
  });
  const layer = s("g", { class: "edges" });
  for (const r of edges.values()) {
    const a = pos[r.obligor], b = pos[r.beneficiary];
    const outgoing = r.obligor === me;
    const colour = outgoing ? "#2e8b57" : IN_FORCE_COLOUR;
    layer.append(s("path", {
      class: `edge type-${r.obligation} status-in-force`, d: edgePath(a, b, outgoing ? 10 : -10, outgoing ? 22 : 10, outgoing ? 10 : 22),
      stroke: colour, "stroke-dasharray": TYPE_DASH[r.obligation] || "", "marker-end": `url(#arrow-${colour.replace("#", "")})`,
      "data-from": r.obligor, "data-to": r.beneficiary, "data-obligation": r.obligation, "data-round": "", "data-treaty": r.treaty_id,
    }, s("title", { text: `${r.obligor_name} owes ${r.beneficiary_name} ${r.obligation} — ${r.treaty}` })));
  }
  svg.append(layer);
  const nodes = s("g", { class: "nodes" });
  const centre = s("g", { class: "node center", transform: `translate(${cx},${cy})`, "data-ccode": me },
    s("circle", { r: 22 }), s("text", { y: 4, "text-anchor": "middle", class: "code", text: me }),
    s("text", { y: 36, "text-anchor": "middle", class: "name", text: data.state.name }));
  nodes.append(centre);
  for (const [code, name] of list) {
    const p = pos[code];
    nodes.append(s("g", { class: "node side-none", transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`, "data-ccode": code,
      onclick: () => { $("#target").value = name; runScenario(); } },
    s("title", { text: `${name} (COW ${code}); click to centre` }), s("circle", { r: 10 }),
    s("text", { y: 23, "text-anchor": "middle", class: "name", text: name.length > 20 ? name.slice(0, 19) + "…" : name })));
  }
  svg.append(nodes);
  if (!list.length) svg.append(s("text", { x: cx, y: cy + 70, "text-anchor": "middle", class: "empty-note", text: "no obligation in force on this day" }));
  applyFilters();
  updateLegend(false, 0);
}

function buildLegend() {
  const legend = $("#legend");
  const types = h("div", { class: "group" }, h("span", { class: "title" }, "Obligation (line):"));
  for (const t of TYPES) {
    const box = h("input", { type: "checkbox", "data-type": t, onchange: (ev) => { shown[t] = ev.target.checked; applyFilters(); showObligationTable(lastObligations); } });
    box.checked = shown[t];
    const sample = s("svg", { width: 34, height: 10 }, s("line", { x1: 1, y1: 5, x2: 33, y2: 5, stroke: "#333", "stroke-width": 2, "stroke-dasharray": TYPE_DASH[t] }));
    types.append(h("label", {}, box, sample, t));
  }
  const unmet = h("input", { type: "checkbox", "data-type": "unmet", onchange: (ev) => { shown.unmet = ev.target.checked; applyFilters(); } });
  unmet.checked = shown.unmet;
  const rounds = h("div", { class: "group", id: "legend-rounds" });
  const directions = h("div", { class: "group", id: "legend-directions" },
    h("span", { class: "title" }, "Colour:"),
    h("label", {}, s("svg", { width: 22, height: 10 }, s("line", { x1: 1, y1: 5, x2: 21, y2: 5, stroke: IN_FORCE_COLOUR, "stroke-width": 3 })), "owed to the state"),
    h("label", {}, s("svg", { width: 22, height: 10 }, s("line", { x1: 1, y1: 5, x2: 21, y2: 5, stroke: "#2e8b57", "stroke-width": 3 })), "owed by it"));
  const extra = h("div", { class: "group", id: "legend-status" },
    h("label", {}, unmet, s("svg", { width: 22, height: 10 }, s("line", { x1: 1, y1: 5, x2: 21, y2: 5, stroke: OFF_COLOUR, "stroke-width": 2 })), "not triggered (condition unmet)"),
    h("span", { class: "small" }, "faded: undecided; arrow: obligor → beneficiary"));
  legend.append(types, rounds, directions, extra);
}

function updateLegend(scenario, nRounds) {
  const rounds = $("#legend-rounds");
  rounds.replaceChildren(h("span", { class: "title" }, "Round (colour):"));
  for (let r = 0; r <= Math.max(nRounds, 2); r++) {
    rounds.append(h("label", {}, s("svg", { width: 22, height: 10 }, s("line", { x1: 1, y1: 5, x2: 21, y2: 5, stroke: roundColour(r), "stroke-width": 3 })),
      r === 0 ? "0 attack" : String(r)));
  }
  rounds.hidden = !scenario;
  $("#legend-status").hidden = !scenario;
  $("#legend-directions").hidden = scenario;
}

function applyFilters() {
  for (const el of document.querySelectorAll("#network .edge")) {
    const t = el.dataset.obligation;
    const hideType = t !== "attack" && shown[t] === false;
    const hideUnmet = el.dataset.status === "unmet" && !shown.unmet;
    el.classList.toggle("hidden", hideType || hideUnmet);
  }
}

function showEdge(e, byCode) {
  const box = $("#details");
  const old = box.querySelector(".edge-detail");
  if (old) old.remove();
  const from = byCode[e.from].name, to = byCode[e.to].name;
  const card = h("div", { class: "edge-detail" }, h("h3", {}, `${from} → ${to}`));
  if (e.obligation === "attack") card.append(h("p", {}, "The attack that starts the scenario (round 0)."));
  else {
    card.append(h("p", {}, `${e.obligation}, ${e.status}, round ${e.round} — `, treatyLink(e.treaty_id, e.treaty), e.article ? `, art. ${e.article}` : ""));
    const ul = h("ul", {});
    for (const c of e.conditions) ul.append(h("li", {}, `${c.text}: ${c.status}`, c.question ? h("div", { class: "question" }, `? ${c.question}`) : null));
    if (e.conditions.length) card.append(ul);
    card.append(h("div", {}, "Sources: ", sourceLinks(e.sources)));
  }
  box.prepend(card);
}

function showScenarioDetails(result, target, attacker) {
  const box = $("#details");
  box.replaceChildren();
  const g = result.graph, rep = result.report;
  const byCode = Object.fromEntries(g.nodes.map((n) => [n.ccode, n]));
  box.append(h("h3", {}, "Sides"));
  box.append(h("p", {}, h("strong", {}, "Defending: "), rep.sides["defending side"].join(", ")));
  box.append(h("p", {}, h("strong", {}, "Attacking: "), rep.sides["attacking side"].join(", ")));
  for (let r = 1; r <= g.rounds; r++) {
    const joins = g.edges.filter((e) => e.round === r && e.joined);
    if (!joins.length) continue;
    box.append(h("h3", {}, `Round ${r}`));
    const ul = h("ul", { class: "round", "data-round": r });
    for (const e of joins) {
      ul.append(h("li", { "data-ccode": e.from },
        h("strong", {}, byCode[e.from].name), ` joins ${byCode[e.to].name}'s side: ${e.obligation} via `, treatyLink(e.treaty_id, e.treaty),
        e.article ? `, art. ${e.article}` : "", " ", sourceLinks(e.sources)));
    }
    box.append(ul);
  }
  if (!g.edges.some((e) => e.joined && e.round > 0)) box.append(h("p", {}, "No state is bound to join."));
  if (rep.undecided.length) {
    box.append(h("h3", {}, "Undecided: what the scenario cannot settle"));
    const ul = h("ul", {});
    for (const u of rep.undecided) {
      ul.append(h("li", {}, `${u.state} would ${u.would} (${u.obligation}, ${u.treaty})`,
        ...u.questions.map((q) => h("div", { class: "question" }, "? " + q.replace(/ \[answer with .*\]$/, "")))));
    }
    box.append(ul);
  }
  for (const [title, key] of [["Conflicts of obligation", "conflicts"], ["Bound to stay neutral", "neutral"], ["Non-aggression pledges broken by the attack", "violations"]]) {
    if (!rep[key] || !rep[key].length) continue;
    box.append(h("h3", {}, title), h("ul", {}, rep[key].map((line) => h("li", {}, line))));
  }
  const notTriggered = g.edges.filter((e) => e.status === "unmet");
  if (notTriggered.length) box.append(h("p", { class: "small" }, `${notTriggered.length} pledge(s) weighed but not triggered (grey). `,
    `${Object.entries(g.not_drawn).map(([k, v]) => `${v} ${k}`).join(", ")} pledges also apply (not drawn).`));
  if (rep.counterfactual) {
    const cf = rep.counterfactual;
    box.append(h("h3", {}, `Counterfactual: without ${cf.changes.without_treaties.join(", ") || "…"}`));
    const diff = cf.difference.length ? cf.difference.map((d) => h("li", {}, `${d.state}: ${d.base || "out"} → ${d.counterfactual || "out"}`)) : [h("li", {}, "no state changes side")];
    box.append(h("ul", { class: "counterfactual" }, diff));
  }
}

function showObligationSummary(data) {
  const box = $("#details");
  box.replaceChildren(h("h3", {}, `${data.state.name} on ${data.on}`));
  const count = (dir, t) => data.rows.filter((r) => r.direction === dir && r.obligation === t).length;
  const ul = h("ul", {});
  for (const t of TYPES) {
    const a = count("owed to", t), b = count("owed by", t);
    if (a || b) ul.append(h("li", {}, h("span", { class: `pill ${t}` }, t), ` owed to it: ${a}; owed by it: ${b}`));
  }
  box.append(data.rows.length ? ul : h("p", {}, "No obligation in force."));
  box.append(h("p", { class: "small" }, "Name an attacker and press Run to see who is bound to act, round by round."));
}

let lastObligations = null;

function showObligationTable(data) {
  lastObligations = data;
  const box = $("#obligations");
  if (!data) { box.replaceChildren(); return; }
  const rows = data.rows.filter((r) => shown[r.obligation] !== false);
  box.replaceChildren(h("h3", {}, `Obligations of and to ${data.state.name} in force on ${data.on} (${rows.length} of ${data.count} shown; tick types in the legend)`));
  const table = h("table", { class: "data", id: "obligation-table" },
    h("thead", {}, h("tr", {}, ["", "obligor", "beneficiary", "obligation", "treaty", "conditions", "since", "sources"].map((c) => h("th", {}, c)))));
  const body = h("tbody", {});
  for (const r of rows.slice(0, 400)) {
    body.append(h("tr", { "data-obligation": r.obligation },
      h("td", {}, r.direction),
      h("td", {}, `${r.obligor_name} (${r.obligor})`),
      h("td", {}, `${r.beneficiary_name} (${r.beneficiary})`),
      h("td", {}, h("span", { class: `pill ${r.obligation}` }, r.obligation)),
      h("td", {}, treatyLink(r.treaty_id, r.treaty), r.article ? `, art. ${r.article}` : ""),
      h("td", {}, r.conditions.length ? r.conditions.join("; ") : "unconditional", r.note ? h("div", { class: "small" }, r.note) : null),
      h("td", {}, r.since || ""),
      h("td", {}, sourceLinks(r.sources))));
  }
  table.append(body);
  box.append(table);
}

// ---- treaty view -----------------------------------------------------------------------------

async function searchTreaties(q) {
  const ul = $("#treaty-results");
  ul.replaceChildren();
  if (!q.trim()) return;
  try {
    const res = await api(`/api/treaties?q=${encodeURIComponent(q.trim())}&limit=40`);
    if (!res.items.length) ul.append(h("li", {}, "no treaty found"));
    for (const t of res.items) ul.append(h("li", {}, treatyLink(t.treaty_id, t.label), h("span", { class: "small" }, ` ${t.signed.slice(0, 4)}${t.ended ? "–" + t.ended.slice(0, 4) : "–"}`)));
    if (res.items.length === 1) location.hash = `#/treaty/${encodeURIComponent(res.items[0].treaty_id)}`;
  } catch (e) { ul.append(h("li", { class: "status error" }, e.message)); }
}

async function showTreaty(ref) {
  const art = $("#treaty");
  art.replaceChildren(h("p", { class: "status" }, "loading…"));
  let t;
  try { t = await api(`/api/treaties/${encodeURIComponent(ref)}`); } catch (e) {
    art.replaceChildren(h("p", { class: "status error" }, e.message));
    return;
  }
  art.replaceChildren();
  art.setAttribute("data-treaty", t.treaty_id);
  art.append(h("h2", {}, t.display_name));
  if (t.official_name && t.official_name !== t.display_name) art.append(h("p", { class: "official" }, t.official_name));
  if ((t.other_names || []).length) art.append(h("p", { class: "official other-names" }, t.other_names.join(" · ")));
  const facts = [["id", `${t.treaty_id}${t.atopid ? ` (ATOP ${t.atopid})` : ""}`], ["kind", t.kind], ["descriptive label", t.label],
    ["signed", t.signed], ["entered into force", t.entered_into_force], ["ended", t.ended || "no end recorded"],
    ["status today", t.status_today], ["status evidence", t.status_note], ["obligations", (t.obligations || []).join(", ")], ["threat", t.threat],
    ["named threat states", (t.threat_states || []).join(", ")]];
  const dl = h("dl", { class: "facts" });
  for (const [k, v] of facts) if (v) dl.append(h("dt", {}, k), h("dd", {}, v));
  art.append(dl);
  if ((t.events || []).length) {  // curated dated facts: signature, each ratification, entry into force, accessions
    art.append(h("h3", {}, "Dated facts"));
    art.append(h("div", { id: "treaty-events" }, table(["date", "event", "party", "place", "note"], t.events)));
  }
  const lin = h("div", { class: "two-col" });
  const linkList = (items, empty) => items.length ? h("ul", {}, items.map((l) => h("li", {}, `${l.relation} `, l.known ? treatyLink(l.treaty_id, l.label) : l.treaty_id, l.date ? ` on ${l.date}` : ""))) : h("p", { class: "small" }, empty);
  lin.append(h("div", { id: "predecessors" }, h("h3", {}, "Predecessors"), linkList(t.predecessors, "none recorded")));
  lin.append(h("div", { id: "successors" }, h("h3", {}, "Successors"), linkList(t.successors.map((l) => ({ ...l, relation: "" })), "none recorded")));
  art.append(lin);
  art.append(h("h3", {}, "Sources"));
  art.append(h("ul", { id: "treaty-sources" }, t.sources.map((src) => h("li", {},
    src.url ? h("a", { href: src.url, target: "_blank", rel: "noopener noreferrer", class: "source" }, src.title || src.url) : (src.title || src.id),
    h("span", { class: "small" }, `${src.publisher ? " — " + src.publisher : ""}${sourceDay(src)}`)))));
  art.append(h("h3", {}, `Members over time (${new Set(t.members.map((m) => m.ccode)).size} states)`));
  art.append(gantt(t));
  if (t.phases.length) {
    art.append(h("h3", {}, "Phases"));
    art.append(table(["phase", "start", "end", "obligations"], t.phases));
  }
  art.append(h("h3", {}, "Members"));
  const roles = t.members.some((m) => m.role) ? ["role"] : [];  // only curated parties carry a role
  art.append(table(["name", "ccode", "phase", ...roles, "entry", "entry_basis", "exit", "exit_basis", "promises"], t.members));
}

function table(cols, rows) {
  return h("table", { class: "data" }, h("thead", {}, h("tr", {}, cols.map((c) => h("th", {}, c.replace("_", " "))))),
    h("tbody", {}, rows.map((r) => h("tr", {}, cols.map((c) => h("td", {}, r[c] === null || r[c] === undefined ? "" : String(r[c])))))));
}

function gantt(t) {
  const byState = new Map();
  for (const m of t.members) {
    if (!byState.has(m.ccode)) byState.set(m.ccode, { name: m.name, spans: [] });
    byState.get(m.ccode).spans.push([m.entry, m.exit]);
  }
  const today = todayIso();
  const start = year(t.signed), end = Math.max(year(t.ended || today) || start + 1, ...t.members.map((m) => year(m.exit || today)));
  const rows = [...byState.entries()].sort((a, b) => (a[1].spans[0][0] || "").localeCompare(b[1].spans[0][0] || "") || a[1].name.localeCompare(b[1].name));
  const W = 900, left = 170, rowH = 16, top = 22;
  const H = top + rows.length * rowH + 10;
  const x = (iso) => left + ((Date.parse(iso) - Date.parse(`${start}-01-01`)) / (Date.parse(`${end + 1}-01-01`) - Date.parse(`${start}-01-01`))) * (W - left - 10);
  const svg = s("svg", { class: "gantt", viewBox: `0 0 ${W} ${H}`, width: W, role: "img", "aria-label": "members over time" });
  const axis = s("g", { class: "axis" });
  const span = end + 1 - start, every = span > 120 ? 25 : span > 50 ? 10 : span > 15 ? 5 : 1;
  for (let y = Math.ceil(start / every) * every; y <= end + 1; y += every) {
    const xx = x(`${y}-01-01`);
    axis.append(s("line", { x1: xx, y1: top - 6, x2: xx, y2: H - 6 }), s("text", { x: xx, y: 12, "text-anchor": "middle", text: y }));
  }
  svg.append(axis);
  rows.forEach(([code, st], i) => {
    const y = top + i * rowH;
    const g = s("g", { class: "member", "data-ccode": code });
    g.append(s("text", { x: left - 6, y: y + 11, "text-anchor": "end", text: st.name.length > 26 ? st.name.slice(0, 25) + "…" : st.name }));
    for (const [a, b] of st.spans) {
      g.append(s("rect", { class: `bar${b ? "" : " open"}`, x: x(a), y: y + 2, width: Math.max(2, x(b || today) - x(a)), height: rowH - 5, rx: 2 },
        s("title", { text: `${st.name}: ${a} – ${b || "in force"}` })));
    }
    svg.append(g);
  });
  return svg;
}

// ---- dyad timeline view ----------------------------------------------------------------------

function enterDyad(params) {
  $("#dyad-a").value = params.get("a") || $("#dyad-a").value || "Russia";
  $("#dyad-b").value = params.get("b") || $("#dyad-b").value || "North Korea";
  $("#dyad-bilateral").checked = params.get("bilateral") === "1";
  showDyad();
}

async function showDyad() {
  const out = $("#dyad"), status = $("#dyad-status");
  out.replaceChildren();
  setStatus(status, "loading…");
  const a = $("#dyad-a").value.trim(), b = $("#dyad-b").value.trim();
  let res;
  try {
    res = await api(`/api/lineage?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}&bilateral=${$("#dyad-bilateral").checked}`);
  } catch (e) { setStatus(status, e.message, true); return; }
  setStatus(status, `${res.entries.length} treaty(ies) shared by ${res.a.name} and ${res.b.name}.`);
  const card = h("div", { class: "dyad-card", "data-a": res.a.ccode, "data-b": res.b.ccode });
  card.append(h("h2", {}, `${res.a.name} and ${res.b.name}: treaty history`));
  if (!res.entries.length) { card.append(h("p", {}, "No treaty in common.")); out.append(card); return; }
  card.append(dyadAxis(res.entries));
  const ol = h("ol", { class: "timeline", id: "timeline" });
  for (const e of res.entries) {
    const kinds = [...e.a_owes_b, ...e.b_owes_a].map((x) => x.split(" ")[0]);
    const kind = TYPES.find((t) => kinds.includes(t)) || "none";
    const owes = e.a_owes_b.join(", ") === e.b_owes_a.join(", ")
      ? [h("div", { class: "owes" }, "Both ways: ", e.a_owes_b.join(", ") || "nothing")]
      : [h("div", { class: "owes" }, `${res.a.name} owes: `, e.a_owes_b.join(", ") || "nothing"),
        h("div", { class: "owes" }, `${res.b.name} owes: `, e.b_owes_a.join(", ") || "nothing")];
    ol.append(h("li", { class: `timeline-entry kind-${kind}`, "data-year": year(e.from), "data-from": e.from, "data-treaty": e.treaty_id },
      h("div", {}, h("span", { class: "year" }, String(year(e.from))), treatyLink(e.treaty_id, e.treaty), e.bilateral ? "" : h("span", { class: "small" }, " (multilateral)")),
      h("div", { class: "when" }, `${e.from} (${e.from_basis}) → ${e.until ? `${e.until} (${e.until_basis})` : "in force"}`),
      ...owes,
      e.lineage.length ? h("div", { class: "lineage" }, "↳ ", e.lineage.join("; ")) : null,
      h("div", {}, "Sources: ", sourceLinks(e.sources))));
  }
  card.append(ol);
  out.append(card);
}

function dyadAxis(entries) {
  const today = todayIso();
  const start = Math.floor((Math.min(...entries.map((e) => year(e.from))) - 2) / 5) * 5, end = year(today) + 1;
  const W = 960, left = 20, right = 20, rowH = 22, top = 24;
  const H = top + entries.length * rowH + 8;
  const x = (iso) => left + ((Date.parse(iso) - Date.parse(`${start}-01-01`)) / (Date.parse(`${end}-01-01`) - Date.parse(`${start}-01-01`))) * (W - left - right);
  const svg = s("svg", { id: "dyad-axis", viewBox: `0 0 ${W} ${H}`, width: W, role: "img", "aria-label": "treaties over time" });
  const every = end - start > 100 ? 20 : 10;
  for (let y = Math.ceil(start / every) * every; y <= end; y += every) {
    const xx = x(`${y}-01-01`);
    svg.append(s("g", { class: "tick" }, s("line", { x1: xx, y1: top - 6, x2: xx, y2: H }), s("text", { x: xx, y: 12, "text-anchor": "middle", text: y })));
  }
  entries.forEach((e, i) => {
    const kinds = [...e.a_owes_b, ...e.b_owes_a].join(" ");
    const colour = kinds.includes("defense") ? "#1f6fb2" : kinds.includes("consultation") ? "#b8860b" : "#7a8794";
    const x1 = x(e.from), x2 = x(e.until || today), y = top + i * rowH;
    svg.append(s("rect", { class: "bar", x: x1, y, width: Math.max(3, x2 - x1), height: rowH - 8, rx: 3, fill: colour },
      s("title", { text: `${e.treaty}: ${e.from} – ${e.until || "in force"}` })));
    const label = `${year(e.from)} ${e.treaty.length > 60 ? e.treaty.slice(0, 59) + "…" : e.treaty}`;
    const rightSide = x2 + 6 + label.length * 6 < W;
    svg.append(s("text", { x: rightSide ? x2 + 6 : x1 - 6, y: y + 11, "text-anchor": rightSide ? "start" : "end", text: label }));
  });
  return svg;
}
