"use strict";
// Draws the run embedded in #data (see model.rs) on a canvas, only the rows
// in view, so that a run of hundreds of thousands of events scrolls freely.

const D = JSON.parse(document.getElementById("data").textContent);
const ROW = 16;
const GUTTER = 84;
const LANES_H = 40;
const GAP_MS = 100;
const COLOUR = {
  ink: "#333", faint: "#bbb", lost: "#c00", held: "#a60", leader: "#ffe9a8",
  down: "#ddd", step: "#e3eefc", stepInk: "#124", sign: "#fff0d8", fail: "#fde2e2",
};

const area = document.createElement("div");
const lanesBar = document.getElementById("lanes");
const body = document.getElementById("scroller");
const canvas = document.getElementById("view");
const tip = document.getElementById("tip");
const ctx = canvas.getContext("2d");
lanesBar.before(area);
area.append(lanesBar, body);
area.style.overflow = "auto";
area.style.position = "relative";

const short = (method) => method.slice(method.indexOf(".") + 1);
const secs = (ms) => (ms / 1000).toFixed(3) + " s";
const laneShown = D.lanes.map(() => true);
const methodShown = D.methods.map(() => true);
let stepsShown = true;
let laneW = 120;
// before[r]: how many places come before row r (so a shown row's place).
// A place is a shown row (its number) or a marked point (-1 the first sign,
// -2 the failure), which takes a place of its own before the row it marks.
let before = new Int32Array(D.times.length + 1);
let shownRows = [];
const MARKS = [
  [D.first_sign, "first sign: ", COLOUR.sign, COLOUR.held],
  [D.failure, "✕ failed: ", COLOUR.fail, COLOUR.lost],
];
const markOf = (place) => MARKS[-1 - place];
const timeOf = (place) => (place >= 0 ? D.times[place] : markOf(place)[0].t);
// Per lane, the shaded stretches: [{p0, p1, kind: "leader" | "down"}].
let stretches = [];

// States and applies per lane, in row order, for looking up a lane at a row.
const statesOf = D.lanes.map(() => []);
D.states.forEach((s) => statesOf[s.lane].push(s));
const appliedOf = D.lanes.map(() => []);
D.applied.forEach((a) => appliedOf[a.lane].push(a));
const marksOf = D.lanes.map(() => []);
D.marks.forEach((m) => marksOf[m.lane].push(m));

function rpcShown(c) {
  return methodShown[c.m] && laneShown[c.f] && (c.t === null || laneShown[c.t]);
}

function rowShown(r) {
  const i = D.items[r];
  switch (D.kinds[r]) {
    case 0: return rpcShown(D.rpcs[i]);
    case 1: return laneShown[D.marks[i].lane];
    default: return stepsShown;
  }
}

function layout() {
  shownRows = [];
  for (let r = 0; r <= D.times.length; r++) {
    MARKS.forEach(([mark], i) => {
      if (mark && Math.min(mark.row, D.times.length) === r) shownRows.push(-1 - i);
    });
    before[r] = shownRows.length;
    if (r < D.times.length && rowShown(r)) shownRows.push(r);
  }
  stretches = D.lanes.map((_, lane) => {
    const changes = [];
    statesOf[lane].forEach((s) => changes.push({ row: s.row, leads: s.leads }));
    marksOf[lane].forEach((m) => changes.push({ row: m.row, down: m.crash, mark: true }));
    changes.sort((a, b) => a.row - b.row || (a.mark ? -1 : 1));
    const out = [];
    let open = null;
    const close = (row) => { if (open) { open.p1 = before[row]; out.push(open); open = null; } };
    for (const c of changes) {
      if (c.mark) {
        close(c.row);
        if (c.down) open = { p0: before[c.row], kind: "down" };
      } else if (!open || open.kind !== "down") {
        close(c.row);
        if (c.leads) open = { p0: before[c.row], kind: "leader" };
      }
    }
    close(D.times.length);
    return out;
  });
  const shownLanes = laneShown.filter((x) => x).length || 1;
  laneW = Math.max(110, Math.floor((area.clientWidth - GUTTER - 20) / shownLanes));
  body.style.height = (shownRows.length + 3) * ROW + "px";
  body.style.width = GUTTER + shownLanes * laneW + 20 + "px";
  lanesBar.style.width = body.style.width;
}

// x of a lane's line; lanes that are hidden take no room.
function laneX(lane) {
  let k = 0;
  for (let i = 0; i < lane; i++) if (laneShown[i]) k++;
  return GUTTER + k * laneW + laneW / 2;
}
let xs = [];
const yOf = (pos) => pos * ROW + ROW / 2;

function lastAt(list, row) {
  let lo = 0, hi = list.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (list[mid].row <= row) lo = mid + 1; else hi = mid; }
  return lo > 0 ? list[lo - 1] : null;
}

function laneState(lane, row) {
  const mark = lastAt(marksOf[lane], row);
  if (mark && mark.crash) return "down";
  const s = lastAt(statesOf[lane], row);
  const a = lastAt(appliedOf[lane], row);
  const parts = [];
  if (s) parts.push("term " + s.term + (s.leads ? " leader" : ""));
  if (a) parts.push("applied " + a.index);
  return parts.join(" · ");
}

function resize() {
  const header = document.querySelector("header");
  area.style.height = window.innerHeight - header.offsetHeight + "px";
  layout();
  const w = Math.min(area.clientWidth, parseInt(body.style.width));
  const h = Math.max(ROW, Math.min(area.clientHeight - LANES_H, (shownRows.length + 3) * ROW));
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr; canvas.height = h * dpr;
  canvas.style.width = w + "px"; canvas.style.height = h + "px";
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  draw();
}

function viewTop() {
  return canvas.getBoundingClientRect().top - body.getBoundingClientRect().top;
}

function draw() {
  xs = D.lanes.map((_, i) => laneX(i));
  const left = area.scrollLeft;
  const y0 = viewTop();
  const h = canvas.clientHeight, w = canvas.clientWidth;
  const p0 = Math.max(0, Math.floor(y0 / ROW) - 1);
  const p1 = Math.min(shownRows.length + 2, Math.ceil((y0 + h) / ROW) + 1);
  ctx.clearRect(0, 0, w, h);
  ctx.save();
  ctx.translate(-left, -y0);
  ctx.font = "10px monospace";
  ctx.textBaseline = "middle";

  // Who led, who was down.
  stretches.forEach((list, lane) => {
    if (!laneShown[lane]) return;
    for (const s of list) {
      if (s.p1 < p0 || s.p0 > p1) continue;
      ctx.fillStyle = s.kind === "down" ? COLOUR.down : COLOUR.leader;
      ctx.fillRect(xs[lane] - laneW / 2 + 4, s.p0 * ROW, laneW - 8, Math.max(2, (s.p1 - s.p0) * ROW));
    }
  });

  // Harness steps, the marked points, time, and the idle gaps (whose
  // labels go on top of everything, at the end).
  const gaps = [];
  for (let p = p0; p < Math.min(p1, shownRows.length); p++) {
    const r = shownRows[p];
    const prev = p > 0 ? timeOf(shownRows[p - 1]) : 0;
    const t = timeOf(r);
    if (r < 0) {
      const [mark, label, fill, ink] = markOf(r);
      ctx.fillStyle = fill;
      ctx.fillRect(GUTTER, p * ROW, parseInt(body.style.width) - GUTTER, ROW);
      ctx.fillStyle = ink;
      ctx.font = "bold 11px monospace";
      ctx.fillText(label + mark.text, GUTTER + 6, yOf(p));
      ctx.font = "10px monospace";
    } else if (D.kinds[r] === 2) {
      ctx.fillStyle = COLOUR.step;
      ctx.fillRect(GUTTER, p * ROW + 1, parseInt(body.style.width) - GUTTER, ROW - 2);
      ctx.fillStyle = COLOUR.stepInk;
      ctx.fillText("▶ " + D.steps[D.items[r]].text, GUTTER + 6, yOf(p));
    }
    if (p === 0 || t !== prev) {
      ctx.fillStyle = "#777";
      ctx.fillText(secs(t), left + 4, yOf(p));
    }
    if (p > 0 && t - prev >= GAP_MS) gaps.push([p, t - prev]);
  }

  // Lanes, and each change of state on them.
  ctx.strokeStyle = COLOUR.faint;
  D.lanes.forEach((_, lane) => {
    if (!laneShown[lane]) return;
    ctx.beginPath(); ctx.moveTo(xs[lane], p0 * ROW); ctx.lineTo(xs[lane], p1 * ROW); ctx.stroke();
  });
  ctx.fillStyle = "#850";
  for (const s of D.states) {
    const p = before[s.row];
    if (p < p0 || p > p1 || !laneShown[s.lane]) continue;
    ctx.fillText("T" + s.term + (s.leads ? " leader" : ""), xs[s.lane] + 4, p * ROW + 4);
  }
  for (const m of D.marks) {
    const p = before[m.row];
    if (p < p0 || p > p1 || !laneShown[m.lane]) continue;
    const colour = m.crash ? COLOUR.lost : "#080";
    ctx.fillStyle = colour;
    ctx.fillRect(xs[m.lane] - 4, yOf(p) - 4, 8, 8);
    ctx.fillText(m.crash ? "crash" : "start", xs[m.lane] + 7, yOf(p));
  }

  // Messages.
  for (const c of D.rpcs) {
    if (!rpcShown(c)) continue;
    const s = before[c.s];
    const last = before[c.e ?? c.d ?? c.s];
    if (last < p0 || s > p1) continue;
    drawRpc(c);
  }

  for (const [p, idle] of gaps) {
    ctx.strokeStyle = "#888";
    ctx.setLineDash([2, 3]);
    ctx.beginPath(); ctx.moveTo(left, p * ROW); ctx.lineTo(left + w, p * ROW); ctx.stroke();
    ctx.setLineDash([]);
    const text = secs(idle) + " of nothing";
    const width = ctx.measureText(text).width + 8;
    ctx.fillStyle = "#fff";
    ctx.fillRect(left + w - width - 6, p * ROW - 6, width, 12);
    ctx.fillStyle = "#666";
    ctx.fillText(text, left + w - width - 2, p * ROW);
  }
  ctx.restore();
  drawLaneHeads(y0);
}

// The points of an RPC's arrows: [from, to, dashed, lost] segments.
function segments(c) {
  const out = [];
  const from = xs[c.f];
  const to = c.t === null ? from + laneW / 2 : xs[c.t];
  const s = yOf(before[c.s]);
  if (c.d !== null) {
    const d = yOf(before[c.d]);
    out.push([from, s, to, d, false, false]);
    if (c.e !== null) {
      const e = yOf(before[c.e]);
      if (c.end === "reply") out.push([to, d, from, e, true, false]);
      if (c.end === "reply lost") out.push([to, d, (to + from) / 2, (d + e) / 2, true, true]);
    }
  } else if (c.e !== null && c.end === "request lost") {
    const e = yOf(before[c.e]);
    out.push([from, s, (from + to) / 2, (s + e) / 2, false, true]);
  }
  return out;
}

function drawRpc(c) {
  for (const [x1, y1, x2, y2, dashed, lost] of segments(c)) {
    ctx.strokeStyle = lost ? COLOUR.lost : COLOUR.ink;
    ctx.setLineDash(dashed ? [4, 3] : []);
    ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
    ctx.setLineDash([]);
    if (lost) {
      ctx.fillStyle = COLOUR.lost;
      ctx.fillText("✕", x2 - 3, y2);
    } else {
      const a = Math.atan2(y2 - y1, x2 - x1);
      ctx.fillStyle = COLOUR.ink;
      ctx.beginPath();
      ctx.moveTo(x2, y2);
      ctx.lineTo(x2 - 7 * Math.cos(a - 0.4), y2 - 7 * Math.sin(a - 0.4));
      ctx.lineTo(x2 - 7 * Math.cos(a + 0.4), y2 - 7 * Math.sin(a + 0.4));
      ctx.fill();
    }
    if (!dashed) {
      ctx.fillStyle = lost ? COLOUR.lost : "#336";
      ctx.fillText(short(D.methods[c.m]) + (lost ? " lost" : ""), (x1 + x2) / 2 + 3, (y1 + y2) / 2 - 5);
    }
  }
  const x = xs[c.f];
  for (const [rows, word] of [[c.h, "held"], [c.r, "released"]]) {
    for (const r of rows) {
      ctx.fillStyle = COLOUR.held;
      ctx.fillText(short(D.methods[c.m]) + " " + word, x + 4, yOf(before[r]));
    }
  }
  if (c.end === "failed") {
    ctx.fillStyle = COLOUR.lost;
    ctx.fillText(short(D.methods[c.m]) + " failed", x + 4, yOf(before[c.e]));
  }
  if (c.d === null && c.e === null) {
    ctx.fillStyle = COLOUR.ink;
    ctx.beginPath(); ctx.arc(x, yOf(before[c.s]), 2, 0, 7); ctx.fill();
  }
}

// The lanes' names, and each one's state at the top row in view.
function drawLaneHeads(y0) {
  const row = rowAt(Math.floor(y0 / ROW));
  lanesBar.innerHTML = "";
  D.lanes.forEach((name, lane) => {
    if (!laneShown[lane]) return;
    const head = document.createElement("div");
    head.style.left = xs[lane] - laneW / 2 + "px";
    head.style.width = laneW + "px";
    const b = document.createElement("b");
    b.textContent = name;
    head.append(b, laneState(lane, row));
    lanesBar.append(head);
  });
}

// The last real row at or before a place, for the state there.
function rowAt(pos) {
  for (let p = Math.min(pos, shownRows.length - 1); p >= 0; p--) {
    if (shownRows[p] >= 0) return shownRows[p];
  }
  return 0;
}

function distance(px, py, [x1, y1, x2, y2]) {
  const dx = x2 - x1, dy = y2 - y1;
  const t = dx || dy ? Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / (dx * dx + dy * dy))) : 0;
  return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
}

function describe(c) {
  const lane = (i) => (i === null ? "(nobody)" : D.lanes[i]);
  const lines = [
    D.methods[c.m] + "  " + lane(c.f) + " → " + lane(c.t) + "  (RPC #" + c.id + ")",
    "sent " + secs(D.times[c.s]) + ", " + c.qb + " bytes" +
      (c.d !== null ? "; handled " + secs(D.times[c.d]) : ""),
    c.end ? c.end + " at " + secs(D.times[c.e]) + (c.pb !== null ? ", " + c.pb + " bytes" : "")
      : "still in flight when the run ended",
  ];
  if (c.h.length) lines.push("held at " + c.h.map((r) => secs(D.times[r])).join(", ") +
    (c.r.length ? "; released at " + c.r.map((r) => secs(D.times[r])).join(", ") : ""));
  lines.push("request: " + (c.q ?? "(not kept: only the latest messages are)"));
  if (c.end === "reply" || c.end === "reply lost") {
    lines.push("reply: " + (c.p ?? "(not kept)"));
  }
  return lines.join("\n");
}

canvas.addEventListener("mousemove", (ev) => {
  const x = ev.offsetX + area.scrollLeft, y = ev.offsetY + viewTop();
  const pos = Math.floor(y / ROW);
  let best = null, bestD = 7;
  for (const c of D.rpcs) {
    if (!rpcShown(c)) continue;
    const s = before[c.s], last = before[c.e ?? c.d ?? c.s];
    if (last < pos - 4 || s > pos + 4) continue;
    for (const seg of segments(c)) {
      const d = distance(x, y, seg);
      if (d < bestD) { best = c; bestD = d; }
    }
  }
  let text = best ? describe(best) : null;
  const place = shownRows[pos];
  if (!text && place < 0) text = markOf(place)[1] + "at " + secs(timeOf(place)) + ": " + markOf(place)[0].text;
  if (!text && place >= 0 && D.kinds[place] === 2) text = "harness: " + D.steps[D.items[place]].text;
  const row = rowAt(pos);
  if (!text && place !== undefined) {
    const lane = D.lanes.findIndex((_, i) => laneShown[i] && Math.abs(x - xs[i]) < laneW / 2);
    if (lane >= 0) text = D.lanes[lane] + " at " + secs(D.times[row]) + ": " + (laneState(lane, row) || "nothing seen yet");
  }
  if (!text) { tip.style.display = "none"; return; }
  tip.textContent = text;
  tip.style.display = "block";
  tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - 580) + "px";
  tip.style.top = Math.min(ev.clientY + 14, window.innerHeight - tip.offsetHeight - 8) + "px";
});
canvas.addEventListener("mouseleave", () => { tip.style.display = "none"; });

function goTo(pos) {
  area.scrollTop = Math.max(0, pos * ROW - area.clientHeight / 2);
  draw();
}

function rowAtTime(ms) {
  let lo = 0, hi = D.times.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (D.times[mid] < ms) lo = mid + 1; else hi = mid; }
  return lo;
}

function checkbox(parent, label, onChange) {
  const l = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = true;
  box.addEventListener("change", () => { onChange(box.checked); resize(); });
  l.append(box, " " + label);
  parent.append(l);
}

function setUp() {
  document.getElementById("title").textContent = D.title;
  document.getElementById("failure").textContent = D.failure ? "failed at " + secs(D.failure.t) + ": " + D.failure.text : "";
  document.getElementById("summary").textContent = D.times.length + " events, " + D.rpcs.length +
    " RPCs, " + D.lanes.length + " nodes, " + secs(D.end) + " of virtual time" +
    (D.first_sign ? "; first sign at " + secs(D.first_sign.t) + ": " + D.first_sign.text : "");
  const nodes = document.getElementById("node-filter");
  if (D.servers < D.lanes.length) {
    // With many clients, the servers alone are often the story.
    const only = document.createElement("button");
    only.textContent = "servers only";
    only.onclick = () => {
      nodes.querySelectorAll("input").forEach((box, i) => { box.checked = i < D.servers; });
      laneShown.forEach((_, i) => { laneShown[i] = i < D.servers; });
      resize();
    };
    nodes.append(only, " ");
  }
  D.lanes.forEach((name, i) => checkbox(nodes, name, (on) => { laneShown[i] = on; }));
  const methods = document.getElementById("method-filter");
  D.methods.forEach((name, i) => checkbox(methods, short(name), (on) => { methodShown[i] = on; }));
  checkbox(methods, "harness steps", (on) => { stepsShown = on; });
  const toFailure = document.getElementById("to-failure");
  const toSign = document.getElementById("to-sign");
  toFailure.disabled = !D.failure;
  toSign.disabled = !D.first_sign;
  toFailure.onclick = () => goTo(shownRows.indexOf(-2));
  toSign.onclick = () => goTo(shownRows.indexOf(-1));
  document.getElementById("to-time").addEventListener("change", (ev) => {
    const t = parseFloat(ev.target.value);
    if (!Number.isNaN(t)) goTo(before[rowAtTime(t * 1000)]);
  });
  area.addEventListener("scroll", () => requestAnimationFrame(draw));
  window.addEventListener("resize", resize);
  resize();
  // A link can name a time to open at: timeline.html#t=3.25
  const asked = /^#t=([0-9.]+)$/.exec(location.hash);
  if (asked) goTo(before[rowAtTime(parseFloat(asked[1]) * 1000)]);
  else if (D.failure) goTo(shownRows.indexOf(-2));
}

setUp();
