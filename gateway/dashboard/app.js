// VolGuard live dashboard. Plain browser script (no build step); served with a CSP that forbids inline code.
// Data arrives over the WebSocket (/ws): a full `dashboard` refresh periodically and `event`s as they happen.
// Every value is written with textContent, never innerHTML, so nothing from the system can inject markup.
'use strict';

(() => {
  const TOKEN_KEY = 'volguard.token';
  const RANK = { viewer: 0, operator: 1, admin: 2 };
  const $ = (id) => document.getElementById(id);

  /** Minimal element builder: h('td', {class: 'num'}, '12.3'). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
    return el;
  }
  const fmt = (n, d = 2) => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-IN', { minimumFractionDigits: d, maximumFractionDigits: d }) : '—');
  const inr = (n) => (typeof n === 'number' && Number.isFinite(n) ? (n < 0 ? '−₹' : '₹') + fmt(Math.abs(n), 0) : '—');
  const sign = (n) => (n > 0 ? 'pos' : n < 0 ? 'neg' : '');
  const time = (ts) => (typeof ts === 'number' ? new Date(ts).toLocaleTimeString('en-GB', { hour12: false }) : '—');

  // ---- token: `#token=` (then removed from the address bar), else this tab's storage, else the login form ----
  function readToken() {
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }
  let token = readToken();
  let role = null;
  let ws = null;
  let retryMs = 500;
  let last = null;

  function showLogin(message) {
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('token').focus();
  }
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token').value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token').value = '';
    $('login').hidden = true;
    connect();
  });
  $('logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    token = null;
    if (ws) ws.close();
    showLogin('signed out');
  });

  function toast(text, bad) {
    const t = $('toast');
    t.textContent = text;
    t.className = bad ? 'toast bad' : 'toast';
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (t.hidden = true), 4000);
  }

  function setConn(state, label) {
    $('conn').dataset.state = state;
    $('conn').textContent = label;
  }

  // ---- WebSocket ----
  function connect() {
    if (!token) return showLogin();
    setConn('connecting', 'connecting…');
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = new WebSocket(`${proto}//${location.host}/ws`);
    ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.addEventListener('message', (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg.type === 'hello') {
        role = msg.role;
        retryMs = 500;
        setConn('on', 'live');
        $('role').textContent = `signed in as ${role}`;
      } else if (msg.type === 'dashboard') {
        last = msg.data;
        render(msg.data);
      } else if (msg.type === 'event') {
        addEvent(msg.event, msg.body);
        if (msg.event === 'killswitch.changed' && msg.body && msg.body.state) setKs(msg.body.state, msg.body.cause);
      } else if (msg.type === 'error') {
        toast(msg.message, true);
      }
    });
    ws.addEventListener('close', (ev) => {
      setConn('off', 'offline');
      if (ev.code === 4401 || ev.code === 4403) {
        sessionStorage.removeItem(TOKEN_KEY);
        token = null;
        return showLogin('token refused');
      }
      if (ev.code === 4429) return showLogin('too many failed attempts; wait a minute');
      if (token) setTimeout(connect, (retryMs = Math.min(retryMs * 2, 10_000)));
    });
  }

  // ---- rendering ----
  function tile(label, value, cls, small) {
    return h('div', { class: 'tile' }, h('div', { class: 'label' }, label), h('div', { class: `value ${small ? 'small' : ''} ${cls || ''}` }, value));
  }

  function setKs(state, cause) {
    $('ks-pill').dataset.state = state;
    $('ks-pill').textContent = `kill switch ${state}`;
    $('ks').replaceChildren(h('div', { class: `state-big ${state}`, 'data-testid': 'ks-state' }, state), h('div', { class: 'muted' }, cause || 'no active cause'));
  }

  function render(d) {
    $('cycle').textContent = d.lastCycle ? `cycle ${d.lastCycle.id} · ${fmt(d.lastCycle.durationMs, 1)} ms · ${time(d.lastCycle.ts)}` : 'no cycle yet';
    $('market').replaceChildren(
      ...d.underlyings.map((u) => tile(u.name, fmt(u.spot, 2))),
      ...(d.underlyings[0] && d.underlyings[0].vix != null ? [tile('INDIA VIX', fmt(d.underlyings[0].vix, 2))] : []),
    );
    $('market').querySelectorAll('.tile')[0]?.setAttribute('data-testid', 'spot-0');
    $('pnl').replaceChildren(tile('day', inr(d.pnl.day), sign(d.pnl.day)), tile('realised', inr(d.pnl.realised), sign(d.pnl.realised), true), tile('unrealised', inr(d.pnl.unrealised), sign(d.pnl.unrealised), true));
    renderPnlCurve(d);
    renderGreeks(d.greeks);
    setKs(d.killswitch.state, d.killswitch.cause);
    $('ks-history').replaceChildren(...(d.killswitch.history || []).slice(-12).reverse().map((t) => h('li', {}, h('time', {}, time(t.ts)), h('span', {}, `${t.from} → ${t.to}`), h('span', { class: 'muted' }, t.cause))));
    $('phase-pill').textContent = `phase ${d.phase.effective}`;
    $('phase').replaceChildren(h('div', { class: 'tiles' }, tile('effective', d.phase.effective, '', true), tile('configured', d.phase.configured, 'muted', true), tile('quality', fmt(d.dataQuality.score, 2), d.dataQuality.score < 0.8 ? 'neg' : 'pos', true)));
    $('quality').replaceChildren(...Object.entries(d.dataQuality.components).map(([k, v]) => bar(k, v, 1, fmt(v, 2), true)));
    renderApprovals(d.approvals || [], d.approvalsPending);
    renderStructures(d.structures);
    renderSmiles(d.smiles || []);
    renderActors(d.actors || [], d.supervisors || []);
  }

  /** A bar of |value| / limit; `higherIsBetter` flips the colouring (quality components). */
  function bar(name, value, limit, label, higherIsBetter) {
    const ratio = limit > 0 && Number.isFinite(value) ? Math.min(Math.abs(value) / limit, 1) : 0;
    const level = higherIsBetter ? (ratio < 0.6 ? 'bad' : ratio < 0.85 ? 'warn' : '') : ratio > 0.9 ? 'bad' : ratio > 0.7 ? 'warn' : '';
    const fill = h('div', { class: `fill ${level}` });
    fill.style.width = `${(ratio * 100).toFixed(1)}%`;
    return h('div', { class: 'bar-row' }, h('span', { class: 'name' }, name), h('div', { class: 'track' }, fill), h('span', { class: 'num' }, label));
  }

  function renderGreeks(g) {
    const rows = [
      ['delta', g.delta, g.limits.delta, 3],
      ['gamma', g.gamma, g.limits.gamma, 4],
      ['vega', g.vega, g.limits.vega, 0],
      ['theta', g.theta, g.limits.theta, 0],
    ];
    $('greeks').replaceChildren(...rows.map(([n, v, lim, dp]) => (lim ? bar(n, v, lim, `${fmt(v, dp)} / ${fmt(lim, dp)}`) : bar(n, v, 0, `${fmt(v, dp)}`))));
  }

  function legsTable(legs) {
    return h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'side'), h('th', {}, 'right'), h('th', { class: 'num' }, 'strike'), h('th', { class: 'num' }, 'qty'), h('th', {}, 'expiry'))),
      h('tbody', {}, legs.map((l) => h('tr', {}, h('td', { class: `side-${l.side}` }, l.side), h('td', {}, l.right), h('td', { class: 'num' }, fmt(l.strike, 0)), h('td', { class: 'num' }, l.quantity), h('td', {}, l.expiry)))));
  }

  function renderApprovals(list, pending) {
    const canAct = role !== null && RANK[role] >= RANK.operator;
    const open = list.filter((a) => a.status === 'pending');
    $('approvals-count').textContent = `${pending ?? open.length} pending`;
    if (open.length === 0) return $('approvals').replaceChildren(h('div', { class: 'empty' }, 'nothing waiting'));
    $('approvals').replaceChildren(...open.map((a) => h('div', { class: 'struct', 'data-approval': a.id },
      h('div', { class: 'struct-head' }, h('span', { class: 'id' }, a.id), h('span', {}, [a.underlying, a.kind].filter(Boolean).join(' · ')), h('span', { class: 'muted' }, `expires ${time(a.expiresAt)}`), h('span', { class: 'grow' }),
        h('button', { class: 'approve', type: 'button', disabled: !canAct, title: canAct ? '' : 'operator role needed', onclick: () => act(a.id, 'approve') }, 'Approve'),
        h('button', { class: 'reject', type: 'button', disabled: !canAct, title: canAct ? '' : 'operator role needed', onclick: () => act(a.id, 'reject') }, 'Reject')),
      h('div', { class: 'muted' }, a.reason),
      legsTable(a.legs))));
  }

  async function act(id, verb) {
    let body = {};
    if (verb === 'reject') {
      const reason = prompt(`Reason for rejecting ${id}?`);
      if (!reason || reason.trim().length < 3) return toast('a rejection needs a reason (3+ characters)', true);
      body = { reason: reason.trim() };
    }
    try {
      const res = await fetch(`/api/v1/approvals/${encodeURIComponent(id)}/${verb}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const out = await res.json().catch(() => ({}));
      if (!res.ok) return toast(`${verb} failed: ${(out.error && out.error.message) || res.status}`, true);
      toast(`${id} ${verb === 'approve' ? 'approved' : 'rejected'}`);
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'refresh' }));
    } catch (e) {
      toast(`${verb} failed: ${e.message}`, true);
    }
  }

  function renderStructures(list) {
    if (!list || list.length === 0) return $('structures').replaceChildren(h('div', { class: 'empty' }, 'no open structures'));
    $('structures').replaceChildren(...list.map((s) => h('div', { class: 'struct' },
      h('div', { class: 'struct-head' }, h('span', { class: 'id' }, s.id), h('span', {}, `${s.underlying} ${s.kind.replace('_', ' ')}`), h('span', { class: 'muted' }, `${s.expiry} · ${s.status}`), h('span', { class: 'grow' }), s.pnl !== undefined ? h('span', { class: sign(s.pnl) }, inr(s.pnl)) : null),
      legsTable(s.legs))));
  }

  function renderActors(actors, sups) {
    if (actors.length === 0) return $('actors').replaceChildren(h('div', { class: 'empty' }, 'no actors reported'));
    const byParent = new Map();
    for (const a of actors) {
      const parent = a.path.split('/').slice(0, -1).join('/') || 'root';
      if (!byParent.has(parent)) byParent.set(parent, []);
      byParent.get(parent).push(a);
    }
    const supOf = new Map(sups.map((s) => [s.path, s]));
    $('actors').replaceChildren(h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'actor'), h('th', {}, 'status'), h('th', { class: 'num' }, 'restarts'), h('th', { class: 'num' }, 'mailbox'), h('th', { class: 'num' }, 'ELU'), h('th', { class: 'num' }, 'heap MB'), h('th', { class: 'num' }, 'uptime s'))),
      h('tbody', {}, [...byParent.entries()].flatMap(([parent, list]) => {
        const s = supOf.get(parent);
        return [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, `${parent}${s ? ` · ${s.strategy} · ${s.restartsInWindow}/${s.intensity} restarts in ${Math.round(s.periodMs / 1000)} s` : ''}`)),
          ...list.map((a) => h('tr', { 'data-actor': a.name }, h('td', {}, h('span', { class: `dot ${a.status}` }), a.name), h('td', {}, a.status), h('td', { class: 'num' }, a.restarts), h('td', { class: 'num' }, a.mailbox), h('td', { class: 'num' }, fmt(a.elu * 100, 1) + '%'), h('td', { class: 'num' }, fmt(a.heapUsedBytes / 1048576, 1)), h('td', { class: 'num' }, fmt(a.uptimeMs / 1000, 0))))];
      }))));
  }

  // ---- charts (uPlot) ----
  const AXIS = { stroke: '#8593a3', grid: { stroke: '#222a33', width: 1 }, ticks: { stroke: '#222a33' } };
  let pnlPlot = null;
  const pnlPoints = { ts: [], pnl: [] };

  function renderPnlCurve(d) {
    if (d.pnlCurve && pnlPoints.ts.length === 0) {
      pnlPoints.ts.push(...d.pnlCurve.ts.map((t) => t / 1000));
      pnlPoints.pnl.push(...d.pnlCurve.pnl);
    }
    const t = d.ts / 1000;
    if (pnlPoints.ts.length === 0 || t > pnlPoints.ts[pnlPoints.ts.length - 1]) {
      pnlPoints.ts.push(t);
      pnlPoints.pnl.push(d.pnl.day);
      if (pnlPoints.ts.length > 2000) { pnlPoints.ts.shift(); pnlPoints.pnl.shift(); }
    }
    if (typeof uPlot === 'undefined') return;
    const width = Math.max($('pnl-card').clientWidth - 28, 200);
    if (!pnlPlot) {
      pnlPlot = new uPlot({ width, height: 150, legend: { show: false }, cursor: { y: false },
        scales: { x: { time: true } },
        axes: [{ ...AXIS }, { ...AXIS, size: 60, values: (u, v) => v.map((x) => inr(x)) }],
        series: [{}, { label: 'day P&L', stroke: '#58a6ff', width: 2, fill: 'rgba(88,166,255,0.08)' }] }, [pnlPoints.ts, pnlPoints.pnl], $('pnl-chart'));
    } else {
      pnlPlot.setData([pnlPoints.ts, pnlPoints.pnl]);
    }
  }

  const smilePlots = new Map();
  function renderSmiles(smiles) {
    if (typeof uPlot === 'undefined') return;
    const keep = new Set();
    for (const s of smiles) {
      const key = `${s.underlying} ${s.expiry}`;
      keep.add(key);
      const pct = (v) => (v === null || v === undefined || !Number.isFinite(v) ? null : v * 100);
      const data = [s.strikes.slice(), s.marketIv.map(pct), s.fitIv.map(pct)];
      let entry = smilePlots.get(key);
      if (!entry) {
        const box = h('div', { class: 'smile', 'data-smile': key }, h('h3', {}, key, s.fallback ? ' (fallback: market IV)' : ''), h('div', {}));
        $('smiles').append(box);
        const width = Math.max(box.clientWidth, 320);
        const plot = new uPlot({ width, height: 200, cursor: { y: false },
          scales: { x: { time: false } },
          axes: [{ ...AXIS, values: (u, v) => v.map((x) => fmt(x, 0)) }, { ...AXIS, size: 46, values: (u, v) => v.map((x) => fmt(x, 1)) }],
          series: [{ label: 'strike', value: (u, v) => fmt(v, 0) },
            { label: 'market IV %', stroke: '#d29922', width: 0, paths: () => null, points: { show: true, size: 6, fill: '#d29922', stroke: '#d29922' }, value: (u, v) => fmt(v, 2) },
            { label: 'SABR fit %', stroke: '#58a6ff', width: 2, points: { show: false }, value: (u, v) => fmt(v, 2) }] }, data, box.lastChild);
        entry = { box, plot };
        smilePlots.set(key, entry);
      } else {
        entry.plot.setData(data);
      }
      if (s.forward) entry.box.firstChild.textContent = `${key} · F ${fmt(s.forward, 0)}${s.fallback ? ' (fallback: market IV)' : ''}`;
    }
    for (const [key, e] of smilePlots) if (!keep.has(key)) { e.plot.destroy(); e.box.remove(); smilePlots.delete(key); }
    if (smiles.length === 0 && !$('smiles').querySelector('.empty')) $('smiles').append(h('div', { class: 'empty' }, 'no calibrated expiries yet'));
    if (smiles.length > 0) $('smiles').querySelector('.empty')?.remove();
  }

  function addEvent(type, body) {
    const summary = body && typeof body === 'object' ? Object.entries(body).slice(0, 3).map(([k, v]) => `${k}=${typeof v === 'object' ? '…' : v}`).join(' ') : '';
    $('events').prepend(h('li', {}, h('time', {}, time(Date.now())), h('span', { class: 'type' }, type), h('span', { class: 'muted' }, summary)));
    while ($('events').children.length > 60) $('events').lastChild.remove();
  }

  window.addEventListener('resize', () => {
    if (pnlPlot) pnlPlot.setSize({ width: Math.max($('pnl-card').clientWidth - 28, 200), height: 150 });
    for (const e of smilePlots.values()) e.plot.setSize({ width: Math.max(e.box.clientWidth, 320), height: 200 });
  });

  if (token) connect();
  else showLogin();
  // For debugging from the console only; holds no secret.
  window.volguard = { last: () => last };
})();
