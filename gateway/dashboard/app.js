// VolGuard live dashboard. A browser module (no build step); served with a CSP that forbids inline code.
// Data arrives over the WebSocket (/ws): a full `dashboard` refresh periodically and right after every event.
// Each update describes every part of the page afresh from the new state (Preact's h); Preact then changes only the
// nodes whose text, attributes or shape differ, instead of throwing the page away and building it again per update.
// Values are text nodes and attributes, never innerHTML, so nothing from the system can inject markup.
// Conventions the operator relies on: every time is the market clock in IST; every amount is ₹; negative quantity is short.
import { h, render as preactRender, Component, createRef } from '/vendor/preact.mjs';

(() => {
  const TOKEN_KEY = 'volguard.token';
  const RANK = { viewer: 0, operator: 1, admin: 2 };
  const TZ = 'Asia/Kolkata';
  const KINDS = ['order', 'fill', 'denial', 'killswitch', 'approval', 'alert', 'restart'];
  const $ = (id) => document.getElementById(id);

  /**
   * The part of the page in element `id` is now `kids` (Preact vnodes; null and undefined are nothing). Only this
   * writes into such a part: Preact compares with what it rendered there last, so no other code may change its nodes.
   */
  const put = (id, ...kids) => preactRender(kids, $(id));
  const finite = (n) => typeof n === 'number' && Number.isFinite(n);
  // One formatter per number of decimals, made once: toLocaleString with options builds a new one on every call, and a
  // full update formats several hundred numbers (that was most of its time).
  const NUMBER = [];
  const numberFormat = (d) => NUMBER[d] || (NUMBER[d] = new Intl.NumberFormat('en-IN', { minimumFractionDigits: d, maximumFractionDigits: d }));
  const fmt = (n, d = 2) => (finite(n) ? numberFormat(d).format(n) : '—');
  /** Rupees, Indian grouping, sign in front: −₹14,250. */
  const inr = (n, d = 0) => (finite(n) ? (n < 0 ? '−₹' : '₹') + fmt(Math.abs(n), d) : '—');
  const sign = (n) => (finite(n) ? (n > 0 ? 'pos' : n < 0 ? 'neg' : '') : '');
  const IST_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const IST_DAY = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
  /** A market-clock instant in IST: `14:05:09 IST`. */
  const ist = (ts) => (finite(ts) ? `${IST_TIME.format(new Date(ts))} IST` : '—');
  const duration = (ms) => {
    if (!finite(ms)) return '—';
    if (ms <= 0) return 'expired';
    const s = Math.floor(ms / 1000);
    return s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  };

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
  /** The market clock as last reported, to tick the header between refreshes. */
  let clockBase = null;
  const shownKinds = new Set(KINDS);

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
  $('reports-reload').addEventListener('click', () => loadReports());
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
    toast.timer = setTimeout(() => (t.hidden = true), 5000);
  }

  function setConn(state, label) {
    $('conn').dataset.state = state;
    $('conn').textContent = label;
  }
  const canAct = () => role !== null && RANK[role] >= RANK.operator;

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
        $('role').textContent = role;
        if (last) render(last);
        loadReports();
        loadBrokerKs();
      } else if (msg.type === 'dashboard') {
        last = msg.data;
        const t0 = performance.now();
        render(msg.data);
        // The bench reads these (the browser's own timing of a full update).
        performance.measure('volguard:render', { start: t0, end: performance.now() });
      } else if (msg.type === 'error') {
        toast(msg.message, true);
      } else if (msg.type === 'event' && typeof msg.event === 'string' && /^(killswitch|executor\.venueKillSwitch)/.test(msg.event)) {
        // The executor engages the broker's kill switch after an EMERGENCY flatten: look again when the state moves.
        loadBrokerKs();
      }
      // `event` frames are followed by a full refresh that carries the operator events (d.events); raw ones are not shown.
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
  const refresh = () => ws && ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'refresh' }));

  async function post(path, body) {
    const res = await fetch(path, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const out = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((out.error && out.error.message) || `HTTP ${res.status}`);
    return out;
  }

  // ---- one clock: the market clock in IST, ticking between refreshes at the simulation's speed ----
  function tickClock() {
    if (!clockBase) return;
    const now = clockBase.ts + (performance.now() - clockBase.at) * clockBase.speed;
    $('clock').textContent = `${IST_DAY.format(new Date(now))} · ${ist(now)}`;
  }
  setInterval(tickClock, 1000);
  const marketNow = () => (clockBase ? clockBase.ts + (performance.now() - clockBase.at) * clockBase.speed : Date.now());

  // ---- rendering ----
  /** `testid` names the value, `tileTestid` the whole tile. */
  function tile(label, value, cls, small, testid, tileTestid) {
    return h('div', { class: 'tile', 'data-testid': tileTestid }, h('div', { class: 'label' }, label), h('div', { class: `value ${small ? 'small' : ''} ${cls || ''}`, 'data-testid': testid }, value));
  }

  function setKs(state, cause) {
    $('ks-pill').dataset.state = state;
    $('ks-pill').textContent = `kill switch ${state}`;
    put('ks', h('div', { class: `state-big ${state}`, 'data-testid': 'ks-state' }, state), h('div', { class: 'muted', 'data-testid': 'ks-cause' }, cause || 'no active cause'));
  }

  /** Each part of a full update is measured too (`volguard:render:<part>`), so the bench can say where time goes. */
  function timed(part, fn) {
    const t0 = performance.now();
    fn();
    performance.measure(`volguard:render:${part}`, { start: t0, end: performance.now() });
  }

  function render(d) {
    const sim = !!(d.clock && d.clock.simulated);
    clockBase = { ts: d.ts, at: performance.now(), speed: sim ? d.clock.speed || 1 : 1 };
    tickClock();
    $('clock-kind').hidden = !sim;
    $('clock-kind').textContent = sim ? `SIMULATED ×${fmt(d.clock.speed || 1, 0)}` : '';
    $('clock').classList.toggle('simulated', sim);
    timed('renderPhase', () => renderPhase(d));
    const shadow = !!(d.book && d.book.shadow) || d.phase.effective === 'SHADOW';
    put('market',
      d.underlyings.map((u, i) => tile(u.name, fmt(u.spot, 2), '', false, undefined, i === 0 ? 'spot-0' : undefined)),
      d.underlyings[0] && d.underlyings[0].vix != null ? tile('INDIA VIX', fmt(d.underlyings[0].vix, 2)) : null,
    );
    $('pnl-sub').textContent = shadow ? 'today, ₹ — SHADOW (paper fills, not money)' : 'today, ₹';
    $('pnl-card').classList.toggle('shadow', shadow);
    put('pnl', pnlTiles(d, shadow));
    timed('renderPnlCurve', () => renderPnlCurve(d));
    timed('renderRisk', () => renderRisk(d.risk, d.strategy));
    setKs(d.killswitch.state, d.killswitch.cause);
    put('ks-history', (d.killswitch.history || []).slice(-12).reverse().map((t) => h('li', {}, h('time', {}, ist(t.ts)), h('span', {}, `${t.from} → ${t.to}`), h('span', { class: 'muted' }, t.cause))));
    put('quality', Object.entries(d.dataQuality.components).map(([k, v]) => bar(k, v, 1, fmt(v, 2), true)));
    timed('renderBook', () => renderBook(d));
    timed('renderApprovals', () => renderApprovals(d));
    timed('renderEvents', () => renderEvents(d.events || []));
    timed('renderSmiles', () => renderSmiles(d.smiles || []));
    $('cycle').textContent = d.lastCycle ? `last cycle ${d.lastCycle.id} · ${fmt(d.lastCycle.durationMs, 1)} ms` : 'no cycle yet';
    timed('renderActors', () => renderActors(d.actors || [], d.supervisors || []));
  }

  /**
   * Net of charges, the charges beside (risk's journaled days, `d.money`); without them (risk not answering) the
   * cycle's day figure, said to be before charges.
   */
  function pnlTiles(d, shadow) {
    const m = d.money;
    const tag = shadow ? ' (SHADOW)' : '';
    if (!m) return [tile(`day${tag}, before charges`, inr(d.pnl.day), sign(d.pnl.day), false, 'pnl-day'), tile('unrealised', inr(d.pnl.unrealised), sign(d.pnl.unrealised), true)];
    return [
      tile(`day${tag}, net of charges`, inr(m.day.net), sign(m.day.net), false, 'pnl-day'),
      tile('charges today', inr(m.day.charges), '', true, 'pnl-day-charges'),
      tile(`to date${tag}, net of charges`, inr(m.total.net), sign(m.total.net), false, 'pnl-total'),
      tile('charges to date', inr(m.total.charges), '', true, 'pnl-total-charges'),
      tile('unrealised', inr(d.pnl.unrealised), sign(d.pnl.unrealised), true),
      dayList(m.days || [], shadow ? 'days (SHADOW: paper fills, not money), net of charges' : 'days, net of charges', 'pnl-days'),
      ...(m.shadowDays ? [dayList(m.shadowDays, 'SHADOW book days (paper fills, not money), net of charges', 'pnl-shadow-days')] : []),
    ];
  }
  /** Each trading day kept, newest first: net of charges, the charges beside. */
  function dayList(days, title, testid) {
    if (days.length === 0) return null;
    return h('div', { class: 'days', 'data-testid': testid }, h('div', { class: 'label' }, title),
      h('table', {}, h('tbody', {}, ...days.map((x) => h('tr', { 'data-day': x.date }, h('td', {}, `${x.date}${x.open ? ' (so far)' : ''}`),
        h('td', { class: `num ${sign(x.net)}` }, inr(x.net)), h('td', { class: 'num muted' }, `charges ${inr(x.charges)}`))))));
  }

  // ---- reports: the latest session/backtest reports and the day's P&L, fetched with the token, saved as files ----
  async function getWithToken(path) {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) {
      const out = await res.json().catch(() => ({}));
      throw new Error((out.error && out.error.message) || `HTTP ${res.status}`);
    }
    return res;
  }
  /** A bearer token cannot ride on a link, so the file is fetched here and handed to the browser as a download. */
  async function download(path, filename, type) {
    try {
      const blob = new Blob([await (await getWithToken(path)).text()], { type });
      const url = URL.createObjectURL(blob);
      const a = Object.assign(document.createElement('a'), { href: url, download: filename, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      toast(`report: ${err.message}`, true);
    }
  }
  const IST_STAMP = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  async function loadReports() {
    let r;
    try {
      r = await (await getWithToken('/api/v1/reports')).json();
    } catch (err) {
      put('reports', h('li', { class: 'muted' }, `reports unavailable: ${err.message}`));
      return;
    }
    const items = [];
    if (r.day) {
      items.push(h('li', { 'data-report': 'day' },
        h('button', { type: 'button', class: 'link', onclick: () => download('/api/v1/pnl', `pnl-${r.day.date}.json`, 'application/json') }, `day ${r.day.date}${r.day.open ? ' (so far)' : ''}`),
        h('span', { class: `num ${sign(r.day.net)}` }, `${inr(r.day.net)} net`), h('span', { class: 'muted' }, `charges ${inr(r.day.charges)}`)));
    }
    for (const x of r.reports) {
      items.push(h('li', { 'data-report': x.name, 'data-kind': x.kind },
        h('button', { type: 'button', class: 'link', onclick: () => download(`/api/v1/reports/${encodeURIComponent(x.name)}`, `${x.name}.html`, 'text/html') }, x.name),
        h('span', { class: 'muted' }, `${x.kind} · ${IST_STAMP.format(new Date(x.time))} IST`)));
    }
    if (items.length === 0) items.push(h('li', { class: 'muted' }, 'no reports yet: volguard report session / volguard backtest --out DATA_DIR/reports/backtest-…'));
    put('reports', items);
  }

  // ---- the broker's own kill switch (Upstox, live): per segment, how VolGuard last set it, the admin's release ----
  // Read on connect, on ↻ and when the kill switch moves (not every refresh: each read asks the broker).
  const isAdmin = () => role === 'admin';
  async function loadBrokerKs() {
    let v;
    try {
      v = await (await getWithToken('/api/v1/broker/killswitch')).json();
    } catch (err) {
      return put('broker-ks', h('div', { class: 'muted' }, `unavailable: ${err.message}`));
    }
    if (!v.available) return put('broker-ks', h('div', { class: 'muted', 'data-testid': 'broker-ks-state' }, 'not on this venue (paper): VolGuard\'s own kill switch is the only one'));
    const fo = v.segments.find((x) => x.segment === 'NSE_FO');
    const l = v.last;
    const lastText = l ? `last ${l.engaged ? 'engaged' : 'released'} by ${l.by}${l.who ? ` (${l.who})` : ''} at ${ist(l.ts)}: ${l.reason}${l.error ? ` — broker refused: ${l.error}` : ''}` : 'never set by VolGuard';
    const release = fo && fo.engaged
      ? h('button', { class: 'danger small', type: 'button', 'data-testid': 'broker-ks-release', disabled: !isAdmin(), title: isAdmin() ? 'release NSE_FO at the broker' : 'admin role needed', onclick: () => {
        confirmTyped('Release the broker kill switch', 'Lets orders reach NSE F&O at Upstox again (the broker refuses within 12 h of engaging it). VolGuard\'s own kill switch is not changed.', 'RELEASE', async (reason) => {
          try {
            await post('/api/v1/broker/killswitch/release', { reason });
            toast('broker kill switch release sent');
          } catch (e) {
            toast(`release failed: ${e.message}`, true);
          }
          loadBrokerKs();
        }, true);
      } }, 'Release F&O…')
      : null;
    put('broker-ks', [
      v.error ? h('div', { class: 'neg' }, `broker not read: ${v.error}`) : null,
      h('ul', { class: 'segments', 'data-testid': 'broker-ks-state' }, ...v.segments.map((x) => h('li', { 'data-segment': x.segment },
        h('span', { class: 'name' }, x.segment), h('span', { class: x.engaged ? 'neg' : 'pos' }, x.engaged ? 'ENGAGED: the broker blocks orders' : 'released'),
        x.active ? null : h('span', { class: 'muted' }, 'segment not active')))),
      h('div', { class: 'muted', 'data-testid': 'broker-ks-last' }, lastText),
      release]);
  }
  $('broker-ks-reload').addEventListener('click', () => loadBrokerKs());

  function renderPhase(d) {
    const eff = d.phase.effective;
    const badge = $('phase-badge');
    badge.dataset.phase = eff;
    badge.textContent = eff === 'SHADOW' ? 'SHADOW · no orders sent' : eff === 'SEMI_AUTO' ? 'SEMI_AUTO · operator approves' : eff === 'FULL_AUTO' ? 'FULL_AUTO · orders sent automatically' : eff;
    const differs = d.phase.configured !== eff;
    const why = (d.phase.reasons || []).join('; ');
    const lines = [];
    if (eff === 'SHADOW') lines.push('SHADOW: proposals are filled on paper in the shadow book; nothing reaches the broker. P&L shown is shadow P&L.');
    if (differs) lines.push(`Configured ${d.phase.configured}, in force ${eff}: ${why || 'reason not reported yet'}.`);
    const banner = $('phase-banner');
    banner.hidden = lines.length === 0;
    banner.dataset.phase = eff;
    banner.textContent = lines.join(' ');
    put('phase', h('div', { class: 'tiles' }, tile('in force', eff, '', true, 'phase-effective'), tile('configured', d.phase.configured, 'muted', true), tile('quality', fmt(d.dataQuality.score, 2), d.dataQuality.score < 0.8 ? 'neg' : 'pos', true)),
      differs ? h('div', { class: 'muted', 'data-testid': 'phase-why' }, `why: ${why || 'not reported yet'}`) : null);
  }

  /** A bar of |value| against its hard level, with the soft level marked; `higherIsBetter` for quality components. */
  function bar(name, value, limit, label, higherIsBetter, soft) {
    const ratio = limit > 0 && finite(value) ? Math.min(Math.abs(value) / limit, 1) : 0;
    const softRatio = finite(soft) && limit > 0 ? soft / limit : null;
    const level = higherIsBetter ? (ratio < 0.6 ? 'bad' : ratio < 0.85 ? 'warn' : '') : ratio >= 1 ? 'bad' : softRatio !== null && ratio >= softRatio ? 'warn' : '';
    const track = h('div', { class: 'track' }, h('div', { class: `fill ${level}`, style: { width: `${(ratio * 100).toFixed(1)}%` } }),
      softRatio !== null ? h('div', { class: 'soft', title: `soft ${label}`, style: { left: `${(softRatio * 100).toFixed(1)}%` } }) : null);
    return h('div', { class: 'bar-row', 'data-limit': name }, h('span', { class: 'name' }, name), track, h('span', { class: 'num' }, label));
  }

  const LIMIT_LABEL = { delta: 'delta', gamma: 'gamma', vega: 'vega', theta: 'theta', dailyLoss: 'day loss', stress: 'stress loss', capitalAtRisk: 'capital at risk', margin: 'margin' };
  function renderRisk(r, sv) {
    if (!r) {
      // No risk report yet: say so rather than draw unitless numbers against empty bars.
      return put('greeks', h('div', { class: 'empty', 'data-testid': 'risk-absent' }, 'risk not assessed yet (no risk report in ₹ from the last cycle)'), skipsPanel(sv));
    }
    const limitLabel = (l) => [LIMIT_LABEL[l.name] || l.name, l.underlying, l.expiry].filter(Boolean).join(' ');
    const limits = r.limits.map((l) => bar(limitLabel(l), l.value, l.hard, `${inr(l.value)} / ${inr(l.hard)} ${l.unit.replace('₹', '').trim()}`.trim(), false, l.soft));
    const row = (label, x) => h('tr', {}, h('td', {}, label), h('td', { class: `num ${sign(x.delta1pct)}` }, inr(x.delta1pct)), h('td', { class: `num ${sign(x.gamma1pct)}` }, inr(x.gamma1pct)), h('td', { class: `num ${sign(x.vega)}` }, inr(x.vega)), h('td', { class: `num ${sign(x.theta)}` }, inr(x.theta)));
    const table = h('table', { 'data-testid': 'greeks-table' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', { class: 'num' }, 'Δ ₹/1 %'), h('th', { class: 'num' }, 'Γ ₹/1 %'), h('th', { class: 'num' }, 'vega ₹/vol pt'), h('th', { class: 'num' }, 'theta ₹/day'))),
      h('tbody', {}, row('total', r.total), ...Object.entries(r.byUnderlying).map(([u, x]) => row(u, x)), ...r.byExpiry.map((x) => row(`${x.underlying} ${x.expiry}`, x))));
    const worst = h('div', { class: 'muted' }, `stress: worst ${inr(-Math.abs(r.stress.worst))} over ${r.stress.grid.length} scenarios`, r.unvalued.length ? ` · ${r.unvalued.length} held instruments not valued` : '');
    put('greeks', table, h('div', { class: 'limits' }, limits), worst, stressHeatmap(r), stopsPanel(r.stops), skipsPanel(sv));
  }

  /** Entries the strategy's risk rules skipped at its last cycle (event calendar, cool-down, entries a day, MTM stop), with why. */
  function skipsPanel(sv) {
    if (sv === undefined) return null;
    const head = h('h3', {}, 'Entries skipped by risk rules ', h('span', { class: 'sub' }, sv ? `strategy's last cycle ${sv.cycleId || '—'}${finite(sv.ts) ? ` · ${ist(sv.ts)}` : ''}` : ''));
    if (!sv) return h('div', { class: 'skips' }, head, h('div', { class: 'muted', 'data-testid': 'skips' }, 'strategy did not answer'));
    const other = Object.entries(sv.otherSkips).map(([k, n]) => `${k} ×${n}`).join(', ');
    return h('div', { class: 'skips' }, head,
      sv.ruleSkips.length === 0 ? h('div', { class: 'muted', 'data-testid': 'skips' }, 'none') : h('ul', { 'data-testid': 'skips' }, ...sv.ruleSkips.map((s) => h('li', { 'data-skip': s.reason },
        h('span', { class: 'name' }, [s.bucket, s.underlying].filter(Boolean).join(' ')), h('span', { class: 'reason-code' }, s.reason), h('span', { class: 'muted' }, s.detail)))),
      other ? h('div', { class: 'muted' }, `other skips: ${other}`) : null);
  }

  const signed = (x, unit) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x)}${unit}`;
  /**
   * The stress grid as a heat map: rows the IV shift, columns the spot move, each cell its ₹ P&L, red for a loss and
   * green for a gain, deeper as it nears the stress limit (hard level; without one, the largest |P&L| shown). The worst
   * scenario is outlined; gaps and pins, which are not on the grid, are listed under it.
   */
  function stressHeatmap(r) {
    const cells = r.stress.grid.filter((c) => c.kind === 'grid');
    const others = r.stress.grid.filter((c) => c.kind !== 'grid');
    if (!cells.length && !others.length) return null;
    const limit = r.limits.find((l) => l.name === 'stress' && l.scope === 'total');
    const scale = limit && limit.hard > 0 ? limit.hard : Math.max(1, ...r.stress.grid.map((c) => Math.abs(c.pnl)));
    const scaleText = limit && limit.hard > 0 ? `of the stress limit ${inr(limit.hard)}` : `of the largest ${inr(scale)} shown`;
    const w = r.stress.worstCell;
    const isWorst = (c) => !!w && c.kind === w.kind && c.name === w.name && c.spotPct === w.spotPct && c.volPts === w.volPts;
    const share = (c) => Math.min(Math.abs(c.pnl) / scale, 1);
    // Alpha over the card: a faint floor so a small figure still shows its sign, full colour at the limit.
    const paint = (c) => (c.pnl === 0 ? {} : { background: `rgba(${c.pnl < 0 ? '248, 81, 73' : '63, 185, 80'}, ${(0.12 + 0.78 * share(c)).toFixed(2)})` });
    // A present, empty attribute marks the worst scenario (the tests select [data-worst]).
    const worstMark = (c) => (isWorst(c) ? '' : undefined);
    const cellTitle = (c) => `${c.name}: ${inr(c.pnl)}, ${Math.round(share(c) * 100)} % ${scaleText}${isWorst(c) ? ' · worst' : ''}`;
    const tone = (c) => (c.pnl < 0 ? 'loss' : c.pnl > 0 ? 'gain' : 'flat');
    const spots = [...new Set(cells.map((c) => c.spotPct))].sort((a, b) => a - b);
    const vols = [...new Set(cells.map((c) => c.volPts))].sort((a, b) => a - b);
    const at = new Map(cells.map((c) => [`${c.spotPct}|${c.volPts}`, c]));
    const table = h('table', { class: 'heatmap', 'data-testid': 'stress-heatmap' },
      h('thead', {}, h('tr', {}, h('th', { class: 'corner' }, 'IV ↓ · spot →'), ...spots.map((s) => h('th', { class: 'num' }, signed(s, ' %'))))),
      h('tbody', {}, ...vols.map((v) => h('tr', { 'data-vol': v }, h('th', {}, signed(v, ' pt')), ...spots.map((s) => {
        const c = at.get(`${s}|${v}`);
        if (!c) return h('td', { class: 'num empty' }, '');
        return h('td', { class: `num ${tone(c)}${isWorst(c) ? ' worst' : ''}`, 'data-spot': s, 'data-vol': v, 'data-share': share(c).toFixed(2), 'data-worst': worstMark(c), title: cellTitle(c), style: paint(c) }, inr(c.pnl));
      })))));
    const list = others.length ? h('ul', { class: 'scenarios', 'data-testid': 'stress-scenarios' }, ...others.map((c) =>
      h('li', { class: isWorst(c) ? 'worst' : '', 'data-worst': worstMark(c), title: cellTitle(c) }, h('span', {}, c.name), h('span', { class: `num ${tone(c)}`, style: paint(c) }, inr(c.pnl))))) : null;
    return h('div', { class: 'stress' }, h('h3', {}, 'Stress ', h('span', { class: 'sub' }, `₹ P&L per IV shift × spot move, shaded against ${limit && limit.hard > 0 ? `the stress limit ${inr(limit.hard)}` : 'the largest figure'}; worst outlined`)), table, list);
  }

  /** The portfolio MTM stop and trailing profit lock (risk's stops): where each stands today and whether it fired. */
  function stopsPanel(st) {
    if (!st) return null;
    const row = (v) => {
      const fired = v.triggered;
      const parts = [
        `day P&L net ${inr(v.pnl)}`,
        v.stopAt === null ? 'stop off' : `stop at ${inr(v.stopAt)}`,
        v.trailArmAt === null ? 'trail off' : v.trailFloor === null ? `trail arms at ${inr(v.trailArmAt)} (peak ${inr(v.peak)})` : `trail locked ${inr(v.trailFloor)} (peak ${inr(v.peak)})`,
      ];
      const state = fired ? `FIRED ${fired.kind === 'trail' ? 'trail lock' : 'stop'} ${ist(fired.at)} at ${inr(fired.pnl)} (level ${inr(fired.level)}) · no entries today` : 'armed';
      return h('li', { 'data-stop': v.scope, class: fired ? 'fired' : '' }, h('span', { class: 'name' }, v.scope), h('span', {}, parts.join(' · ')), h('span', { class: fired ? 'neg' : 'muted', 'data-testid': 'stop-state' }, state));
    };
    return h('div', { class: 'stops' }, h('h3', {}, 'MTM stops ', h('span', { class: 'sub' }, `IST day ${st.date}${st.accountBlocked ? ' · account stopped: entries blocked' : ''}${st.blockedBuckets.length ? ` · blocked: ${st.blockedBuckets.join(', ')}` : ''}`)),
      h('ul', { 'data-testid': 'stops' }, row(st.account), ...st.buckets.map(row)));
  }

  function renderBook(d) {
    const b = d.book;
    const shadow = !!(b && b.shadow);
    $('book-title').textContent = shadow ? 'SHADOW book' : 'Book';
    $('book-sub').textContent = shadow ? 'paper fills in SHADOW — nothing is held at the broker' : 'as held at the broker (reconciled), ₹, negative quantity = short';
    $('book-card').classList.toggle('shadow', shadow);
    $('flatten').disabled = !canAct();
    $('flatten').title = canAct() ? '' : 'operator role needed';
    if (!b) return put('book', h('div', { class: 'empty' }, 'book not read yet'));
    if (b.structures.length === 0) return put('book', h('div', { class: 'empty' }, shadow ? 'nothing held in the shadow book' : 'nothing held'));
    const groups = [['structure', 'Structures'], ['adopted', 'Adopted from the broker'], ['orphan', 'Orphan positions']];
    // Keyed, so each structure keeps its nodes and its chart while others come and go.
    put('book', h('div', { class: 'tiles', key: 'pnl' }, tile(shadow ? 'book P&L (SHADOW, before charges)' : 'book P&L (before charges)', inr(b.pnl), sign(b.pnl), true, 'book-pnl')),
      // The whole book per underlying: at its nearest expiry (later legs keep their time value) and today.
      (b.underlyings || []).filter((u) => u.curves && typeof uPlot !== 'undefined').map((u) => h('div', { class: 'ubook', 'data-underlying': u.underlying, key: `book:${u.underlying}` },
        h('div', { class: 'muted' }, `${u.underlying} book: P&L at the ${u.expiry} expiry and today, ₹${u.breakevens.length ? ` · breakevens ${u.breakevens.map((x) => fmt(x, 0)).join(' / ')}` : ''}`),
        h(PayoffChart, { data: [u.curves.x, u.curves.atExpiry, u.curves.today || u.curves.x.map(() => null)], marks: { spot: u.spot, breakevens: u.breakevens, shorts: u.shortStrikes }, width: 560, testid: 'underlying-payoff' }))),
      groups.flatMap(([g, title]) => {
        const list = b.structures.filter((s) => s.group === g);
        return list.length === 0 ? [] : [h('h3', { class: `group ${g}`, key: `group:${g}` }, title), ...list.map((s) => structCard(s, g, spotOf(d, s.underlying)))];
      }));
  }
  const spotOf = (d, u) => (d.underlyings.find((x) => x.name === u) || {}).spot;

  // ---- payoff at expiry per held group, from the fills: spot, breakevens and short strikes marked ----
  function payoffData(s, spot) {
    const strikes = s.legs.map((l) => l.strike);
    const lo = Math.min(...strikes, finite(spot) ? spot : Infinity);
    const hi = Math.max(...strikes, finite(spot) ? spot : -Infinity);
    const pad = Math.max((hi - lo) * 0.3, hi * 0.02);
    const xs = new Set(strikes);
    for (let i = 0; i <= 60; i++) xs.add(Math.round(lo - pad + ((hi - lo + 2 * pad) * i) / 60));
    const x = [...xs].sort((a, b) => a - b);
    const y = x.map((at) => s.legs.reduce((v, l) => v + l.quantity * ((l.right === 'CE' ? Math.max(at - l.strike, 0) : Math.max(l.strike - at, 0)) - l.averagePrice), 0));
    return [x, y];
  }
  /** The server's curves (at expiry and today, from our surface) when it sent them; else at expiry from the fills. */
  function curveData(s, spot) {
    const c = s.curves;
    if (c) return [c.x, c.atExpiry, c.today || c.x.map(() => null)];
    const [x, y] = payoffData(s, spot);
    return [x, y, x.map(() => null)];
  }
  function payoffChart(s, spot) {
    if (typeof uPlot === 'undefined' || s.legs.length === 0 || (!s.expiry && !s.curves)) return null;
    return h(PayoffChart, { data: curveData(s, spot), marks: { spot, breakevens: s.breakevens, shorts: s.legs.filter((l) => l.quantity < 0).map((l) => l.strike) }, width: 340, testid: 'payoff' });
  }
  const vline = (u, x, colour, dash) => {
    if (!finite(x)) return;
    const px = u.valToPos(x, 'x', true);
    const c = u.ctx;
    c.save(); c.strokeStyle = colour; c.lineWidth = 1.5; c.setLineDash(dash);
    c.beginPath(); c.moveTo(px, u.bbox.top); c.lineTo(px, u.bbox.top + u.bbox.height); c.stroke(); c.restore();
  };
  /**
   * One payoff chart (uPlot) where its structure or underlying is shown: made once when it first appears, given each
   * update's curves with setData, destroyed when it goes. Preact owns the box, uPlot what is drawn inside it.
   * Props: data [x, at expiry, today], marks {spot, breakevens, shorts}, width, testid.
   */
  class PayoffChart extends Component {
    box = createRef();
    componentDidMount() {
      this.plot = new uPlot({ width: this.props.width, height: 140, legend: { show: false }, cursor: { y: false }, scales: { x: { time: false } },
        axes: [{ ...AXIS, values: (u, v) => v.map((x) => fmt(x, 0)) }, { ...AXIS, size: 62, values: (u, v) => v.map((x) => inr(x)) }],
        series: [{}, { label: 'at expiry', stroke: '#3fb950', width: 2, fill: 'rgba(63,185,80,0.07)' }, { label: 'today', stroke: '#d2a8ff', width: 1.5, dash: [4, 3] }],
        hooks: { draw: [(u) => {
          // The latest update's marks (the draw runs after setData).
          const m = this.props.marks;
          for (const k of m.shorts) vline(u, k, '#d29922', [2, 3]);
          for (const k of m.breakevens) vline(u, k, '#8593a3', [5, 4]);
          vline(u, m.spot, '#58a6ff', []);
        }] } }, this.props.data, this.box.current);
    }
    componentDidUpdate() { this.plot.setData(this.props.data); }
    componentWillUnmount() { this.plot.destroy(); }
    render({ data, testid }) {
      // data-today: whether the curve "today" is drawn (no surface for an expiry: at expiry only), for the reader and the tests.
      return h('div', { ref: this.box, class: 'payoff', 'data-testid': testid, 'data-today': data[2].some(finite) ? 'shown' : 'none',
        title: 'P&L, ₹: at expiry (solid green) and today from our surface (dashed violet); spot blue, short strikes amber, breakevens grey' });
    }
  }

  function structCard(s, g, spot) {
    const be = s.breakevens.length ? s.breakevens.map((x) => fmt(x, 0)).join(' / ') : '—';
    const maxLoss = s.maxLossUnbounded ? 'unbounded' : inr(s.maxLoss);
    return h('div', { class: `struct ${g}`, 'data-struct': s.id, 'data-group': g, key: s.id },
      h('div', { class: 'struct-head' }, h('span', { class: 'id' }, s.id), h('span', {}, `${s.underlying} ${s.kind.replace('_', ' ')}`),
        h('span', { class: 'muted' }, s.expiry ? `expiry ${s.expiry} · ${fmt(s.daysToExpiry, 1)} d` : 'several expiries'),
        h('span', { class: `status ${s.status}`, 'data-testid': 'status' }, s.status), h('span', { class: 'muted reason', 'data-testid': 'reason' }, s.statusReason),
        ...(closable(s, g) ? [h('span', { class: 'grow' }), closeButton(s)] : [])),
      h('div', { class: 'struct-body' }, h('div', { class: 'struct-main' },
      h('div', { class: 'figures' },
        tile(s.credit >= 0 ? 'credit' : 'debit', inr(Math.abs(s.credit)), '', true, 'credit'), tile('value now', inr(s.value), '', true), tile('P&L', inr(s.pnl), sign(s.pnl), true, 'pnl'),
        tile('max loss', maxLoss, 'neg', true, 'max-loss'), tile('breakevens', be, '', true, 'breakevens')),
      h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'instrument'), h('th', { class: 'num' }, 'strike'), h('th', {}, 'right'), h('th', { class: 'num' }, 'qty'), h('th', { class: 'num' }, 'avg fill ₹'), h('th', { class: 'num' }, 'mark ₹'), h('th', { class: 'num' }, 'P&L ₹'))),
        h('tbody', {}, s.legs.map((l) => h('tr', { 'data-leg': l.instrumentKey }, h('td', { class: 'muted' }, l.instrumentKey), h('td', { class: 'num' }, fmt(l.strike, 0)), h('td', {}, l.right),
          h('td', { class: `num ${l.quantity < 0 ? 'short' : 'long'}` }, l.quantity > 0 ? `+${l.quantity}` : String(l.quantity).replace('-', '−')),
          h('td', { class: 'num' }, inr(l.averagePrice, 2)), h('td', { class: 'num', title: l.markSource ? `mark from ${l.markSource}` : 'no mark' }, inr(l.mark, 2)), h('td', { class: `num ${sign(l.pnl)}` }, inr(l.pnl))))))),
      payoffChart(s, spot)));
  }

  // ---- close one structure (typed confirmation: its id), reduce-only at the executor ----
  // Only an open structure of our own, in a book held at the broker: SHADOW sends no orders, and adopted or orphan
  // positions are the executor's own exit-only business (or the flatten's).
  const closable = (s, g) => g === 'structure' && s.status === 'open' && !(last && last.book && last.book.shadow);
  function closeButton(s) {
    const can = canAct();
    return h('button', { class: 'danger small', type: 'button', 'data-testid': 'close-structure', disabled: !can, title: can ? 'close this structure (reduce-only)' : 'operator role needed', onclick: () => {
      confirmTyped(`Close ${s.id}`, `Buys back the shorts, then sells the wings of ${s.underlying} ${s.kind.replace('_', ' ')} ${s.id} with marketable limit orders (never more than is held). Journaled with your reason.`, s.id, async (reason) => {
        try {
          await post(`/api/v1/structures/${encodeURIComponent(s.id)}/close`, { confirm: s.id, reason });
          toast(`close of ${s.id} sent`);
          refresh();
        } catch (e) {
          toast(`close failed: ${e.message}`, true);
        }
      }, true);
    } }, 'Close…');
  }

  function renderApprovals(d) {
    const list = d.approvals || [];
    const open = list.filter((a) => a.status === 'pending');
    $('approvals-count').textContent = `${d.approvalsPending ?? open.length} pending`;
    if (open.length === 0) return put('approvals', h('div', { class: 'empty' }, 'nothing waiting'));
    const can = canAct();
    put('approvals', open.map((a) => h('div', { class: 'struct', 'data-approval': a.id, key: a.id },
      h('div', { class: 'struct-head' }, h('span', { class: 'id' }, a.id), h('span', {}, [a.underlying, a.kind].filter(Boolean).join(' · ')),
        h('span', { class: 'muted', 'data-testid': 'time-left' }, `expires ${ist(a.expiresAt)} · ${duration(a.expiresAt - d.ts)} left`), h('span', { class: 'grow' }),
        h('button', { class: 'approve', type: 'button', disabled: !can, title: can ? '' : 'operator role needed', onclick: () => decide(a.id, 'approve') }, 'Approve'),
        h('button', { class: 'reject', type: 'button', disabled: !can, title: can ? '' : 'operator role needed', onclick: () => decide(a.id, 'reject') }, 'Reject')),
      h('div', { class: 'muted' }, a.reason),
      h('div', { class: 'figures' },
        tile(finite(a.credit) && a.credit < 0 ? 'debit' : 'credit', finite(a.credit) ? inr(Math.abs(a.credit)) : 'limit prices missing', '', true, 'credit'),
        tile('max loss', a.maxLoss === null ? 'unbounded' : inr(a.maxLoss), 'neg', true, 'max-loss'),
        tile('breakevens', (a.breakevens || []).map((x) => fmt(x, 0)).join(' / ') || '—', '', true),
        tile('margin (model)', finite(a.margin) ? inr(a.margin) : '—', '', true, 'margin')),
      // The greeks the trade adds, in the greeks panel's units, priced on our surface.
      h('div', { class: 'figures adds', 'data-testid': 'adds' }, ...(a.greeks
        ? [tile('adds Δ ₹/1 %', inr(a.greeks.delta1pct), sign(a.greeks.delta1pct), true, 'adds-delta'), tile('Γ ₹/1 %', inr(a.greeks.gamma1pct), sign(a.greeks.gamma1pct), true, 'adds-gamma'),
          tile('vega ₹/vol pt', inr(a.greeks.vega), sign(a.greeks.vega), true, 'adds-vega'), tile('theta ₹/day', inr(a.greeks.theta), sign(a.greeks.theta), true, 'adds-theta')]
        : [h('div', { class: 'muted' }, 'greeks it adds: no surface for this expiry yet')])),
      h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'side'), h('th', {}, 'right'), h('th', { class: 'num' }, 'strike'), h('th', { class: 'num' }, 'qty'), h('th', { class: 'num' }, 'limit ₹'), h('th', {}, 'expiry'))),
        h('tbody', {}, a.legs.map((l) => h('tr', {}, h('td', { class: `side-${l.side}` }, l.side), h('td', {}, l.right), h('td', { class: 'num' }, fmt(l.strike, 0)), h('td', { class: 'num' }, l.quantity), h('td', { class: 'num' }, inr(l.limitPrice, 2)), h('td', {}, l.expiry))))))));
  }

  async function decide(id, verb) {
    let body = {};
    if (verb === 'reject') {
      const reason = prompt(`Reason for rejecting ${id}?`);
      if (!reason || reason.trim().length < 3) return toast('a rejection needs a reason (3+ characters)', true);
      body = { reason: reason.trim() };
    }
    try {
      await post(`/api/v1/approvals/${encodeURIComponent(id)}/${verb}`, body);
      toast(`${id} ${verb === 'approve' ? 'approved' : 'rejected'}`);
      refresh();
    } catch (e) {
      toast(`${verb} failed: ${e.message}`, true);
    }
  }

  // ---- typed confirmation for destructive actions ----
  /** `needReason`: the action's route requires one (3+ characters), so Confirm waits for it too. */
  function confirmTyped(title, text, word, run, needReason) {
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('confirm-word').textContent = word;
    $('confirm-input').value = '';
    $('confirm-reason').value = '';
    $('confirm-go').disabled = true;
    $('confirm').hidden = false;
    $('confirm-input').focus();
    confirmTyped.pending = { word, run, needReason: !!needReason };
  }
  const closeConfirm = () => { $('confirm').hidden = true; confirmTyped.pending = null; };
  const confirmReady = (p) => !!p && $('confirm-input').value.trim() === p.word && (!p.needReason || $('confirm-reason').value.trim().length >= 3);
  for (const id of ['confirm-input', 'confirm-reason']) $(id).addEventListener('input', () => { $('confirm-go').disabled = !confirmReady(confirmTyped.pending); });
  $('confirm-cancel').addEventListener('click', closeConfirm);
  $('confirm-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const p = confirmTyped.pending;
    if (!confirmReady(p)) return;
    const reason = $('confirm-reason').value.trim();
    closeConfirm();
    await p.run(reason);
  });
  $('flatten').addEventListener('click', () => {
    const shadow = !!(last && last.book && last.book.shadow);
    confirmTyped('Flatten everything', shadow
      ? 'Closes every position in the SHADOW book at the touch (paper fills, never an order); their P&L is kept in the shadow day. The kill switch goes EMERGENCY, then HALTED.'
      : 'Sends market-protected orders to close every position held at the broker now. The kill switch goes EMERGENCY, then HALTED.', 'FLATTEN', async (reason) => {
      try {
        await post('/api/emergency/flatten', reason.length >= 3 ? { reason } : {});
        toast('flatten requested');
        refresh();
      } catch (e) {
        toast(`flatten failed: ${e.message}`, true);
      }
    });
  });

  // ---- events: filterable by kind ----
  function renderFilters() {
    put('event-filters', KINDS.map((k) => h('button', { type: 'button', class: `chip${shownKinds.has(k) ? ' on' : ''} kind-${k}`, 'data-kind': k, onclick: () => {
      if (shownKinds.has(k)) shownKinds.delete(k); else shownKinds.add(k);
      renderFilters();
      if (last) renderEvents(last.events || []);
    } }, k)));
  }
  renderFilters();
  function renderEvents(list) {
    const shown = list.filter((e) => shownKinds.has(e.kind)).slice(0, 80);
    if (shown.length === 0) return put('events', h('li', { class: 'empty' }, list.length ? 'no events of the selected kinds' : 'no events yet'));
    put('events', shown.map((e) => h('li', { 'data-kind': e.kind }, h('time', {}, ist(e.ts)), h('span', { class: `kind kind-${e.kind}` }, e.kind), h('span', { class: 'title' }, e.title), h('span', { class: 'muted' }, e.detail), h('span', { class: 'ref', title: 'journal reference' }, e.ref))));
  }

  function renderActors(actors, sups) {
    if (actors.length === 0) return put('actors', h('div', { class: 'empty' }, 'no actors reported'));
    const byParent = new Map();
    for (const a of actors) {
      const parent = a.path.split('/').slice(0, -1).join('/') || 'root';
      if (!byParent.has(parent)) byParent.set(parent, []);
      byParent.get(parent).push(a);
    }
    const supOf = new Map(sups.map((s) => [s.path, s]));
    put('actors', h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'actor'), h('th', {}, 'status'), h('th', { class: 'num' }, 'restarts'), h('th', { class: 'num' }, 'mailbox'), h('th', { class: 'num' }, 'ELU'), h('th', { class: 'num' }, 'heap MB'), h('th', { class: 'num' }, 'uptime s'))),
      h('tbody', {}, [...byParent.entries()].flatMap(([parent, list]) => {
        const s = supOf.get(parent);
        return [h('tr', { key: `sup:${parent}` }, h('td', { colspan: 7, class: 'muted' }, `${parent}${s ? ` · ${s.strategy} · ${s.restartsInWindow}/${s.intensity} restarts in ${Math.round(s.periodMs / 1000)} s` : ''}`)),
          ...list.map((a) => h('tr', { 'data-actor': a.name, key: a.path }, h('td', {}, h('span', { class: `dot ${a.status}` }), a.name), h('td', {}, a.status), h('td', { class: 'num' }, a.restarts), h('td', { class: 'num' }, a.mailbox), h('td', { class: 'num' }, fmt(a.elu * 100, 1) + '%'), h('td', { class: 'num' }, fmt(a.heapUsedBytes / 1048576, 1)), h('td', { class: 'num' }, fmt(a.uptimeMs / 1000, 0))))];
      }))));
  }

  // ---- charts (uPlot), time axes in IST ----
  const AXIS = { stroke: '#8593a3', grid: { stroke: '#222a33', width: 1 }, ticks: { stroke: '#222a33' } };
  const IST_HM = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
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
    if (!pnlPlot) {
      // Layout is read once here (and on resize), never on every update: a read after DOM writes forces a reflow.
      const width = Math.max($('pnl-card').clientWidth - 28, 200);
      pnlPlot = new uPlot({ width, height: 150, legend: { show: false }, cursor: { y: false },
        scales: { x: { time: true } },
        axes: [{ ...AXIS, label: 'IST (market clock)', labelSize: 14, values: (u, v) => v.map((t) => IST_HM.format(new Date(t * 1000))) }, { ...AXIS, size: 60, values: (u, v) => v.map((x) => inr(x)) }],
        series: [{}, { label: 'day P&L', stroke: '#58a6ff', width: 2, fill: 'rgba(88,166,255,0.08)' }] }, [pnlPoints.ts, pnlPoints.pnl], $('pnl-chart'));
    } else {
      pnlPlot.setData([pnlPoints.ts, pnlPoints.pnl]);
    }
  }

  /**
   * Splits a smile into what the reader must tell apart: market points, the fit where market points exist (solid),
   * the fit beyond them (dashed: extrapolated), and strikes inside that range with no usable quote (hollow).
   */
  function smileSeries(s) {
    const pct = (v) => (v === null || v === undefined || !finite(v) ? null : v * 100);
    const mkt = s.marketIv.map(pct);
    const fit = s.fitIv.map(pct);
    const have = mkt.map((v, i) => (v !== null ? i : -1)).filter((i) => i >= 0);
    const lo = have.length ? have[0] : -1;
    const hi = have.length ? have[have.length - 1] : -1;
    const inside = fit.map((v, i) => (i >= lo && i <= hi ? v : null));
    // The extrapolated pieces share their end points with the fitted piece so the line is continuous.
    const outside = fit.map((v, i) => (lo < 0 || i <= lo || i >= hi ? v : null));
    const missing = fit.map((v, i) => (i > lo && i < hi && mkt[i] === null ? v : null));
    return { data: [s.strikes.slice(), mkt, inside, outside, missing], extrapolated: lo < 0 ? s.strikes.length : lo + (s.strikes.length - 1 - hi), missing: missing.filter((v) => v !== null).length };
  }

  /** The smile charts on the page, for the resize handler. */
  const smileCharts = new Set();
  /**
   * One expiry's smile (uPlot) with its title and fit line: made once when the expiry first shows, each update's
   * series given with setData after. Props: smile (the server's), series (smileSeries of it), label.
   */
  class SmileChart extends Component {
    box = createRef();
    host = createRef();
    componentDidMount() {
      // Layout is read here (and on resize), once per chart, never on every update.
      const width = Math.max(this.box.current.clientWidth, 320);
      this.plot = new uPlot({ width, height: 200, cursor: { y: false },
        scales: { x: { time: false } },
        axes: [{ ...AXIS, values: (u, v) => v.map((x) => fmt(x, 0)) }, { ...AXIS, size: 46, values: (u, v) => v.map((x) => fmt(x, 1)) }],
        series: [{ label: 'strike', value: (u, v) => fmt(v, 0) },
          { label: 'market IV %', stroke: '#d29922', width: 0, paths: () => null, points: { show: true, size: 6, fill: '#d29922', stroke: '#d29922' }, value: (u, v) => fmt(v, 2) },
          { label: 'SABR (fitted range) %', stroke: '#58a6ff', width: 2, points: { show: false }, value: (u, v) => fmt(v, 2) },
          { label: 'SABR extrapolated %', stroke: '#58a6ff', width: 1.5, dash: [6, 5], points: { show: false }, value: (u, v) => fmt(v, 2) },
          { label: 'no usable quote', stroke: '#8593a3', width: 0, paths: () => null, points: { show: true, size: 7, fill: '#161b22', stroke: '#8593a3' }, value: (u, v) => fmt(v, 2) }] }, this.props.series.data, this.host.current);
      smileCharts.add(this);
    }
    componentDidUpdate() { this.plot.setData(this.props.series.data); }
    componentWillUnmount() { smileCharts.delete(this); this.plot.destroy(); }
    resize() { this.plot.setSize({ width: Math.max(this.box.current.clientWidth, 320), height: 200 }); }
    render({ smile: s, series: { extrapolated, missing }, label }) {
      return h('div', { ref: this.box, class: 'smile', 'data-smile': label },
        h('h3', {}, `${label}${s.forward ? ` · F ${fmt(s.forward, 0)}` : ''}`),
        h('div', { class: 'muted fitinfo', title: 'the calibrator does not report why a quote was dropped (missing, crossed, too wide or stale); hollow points mark where' }, [
          s.fallback ? `FALLBACK to market IV${s.fallbackReason ? `: ${s.fallbackReason}` : ''}` : `SABR fit rmse ${finite(s.rmseVolPts) ? fmt(s.rmseVolPts, 2) : '—'} vol pts`,
          `${extrapolated} strikes extrapolated`, `${missing} without a usable quote`,
        ].join(' · ')),
        h('div', { ref: this.host }));
    }
  }
  function renderSmiles(smiles) {
    if (typeof uPlot === 'undefined') return;
    if (smiles.length === 0) return put('smiles', h('div', { class: 'empty' }, 'no calibrated expiries yet'));
    put('smiles', smiles.map((s) => {
      const label = `${s.underlying} ${s.expiry}`;
      return h(SmileChart, { key: label, label, smile: s, series: smileSeries(s) });
    }));
  }

  window.addEventListener('resize', () => {
    if (pnlPlot) pnlPlot.setSize({ width: Math.max($('pnl-card').clientWidth - 28, 200), height: 150 });
    for (const c of smileCharts) c.resize();
  });

  if (token) connect();
  else showLogin();
  // For debugging from the console and the bench only; holds no secret.
  window.volguard = { last: () => last, marketNow };
})();
