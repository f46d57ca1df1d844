// The PrepQ console. A page of the API's own that speaks only the admin API, with the
// administrator's bearer token kept in this tab's sessionStorage: every action passes the
// same checks as any other client's, and no cookie exists for another site to ride on.
// Everything shown is put in as text (never as HTML), so no value can become markup.

const API = '/api/v1';
const KEY = 'prepq.console.tokens';
const SVG = 'http://www.w3.org/2000/svg';

let tokens = JSON.parse(sessionStorage.getItem(KEY) || 'null');

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `the API answered ${status}`);
    this.status = status;
  }
}

function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (tokens) headers.Authorization = `Bearer ${tokens.access_token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return fetch(API + path, { method, headers, body: payload });
}

async function api(method, path, body) {
  let response = await request(method, path, body);
  if (response.status === 401 && tokens && (await refresh())) {
    response = await request(method, path, body);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

async function refresh() {
  const response = await fetch(`${API}/auth/refresh`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refresh_token: tokens.refresh_token }),
  });
  if (!response.ok) {
    forget();
    return false;
  }
  keep(await response.json());
  return true;
}

function keep(pair) {
  tokens = pair;
  sessionStorage.setItem(KEY, JSON.stringify(pair));
}

function forget() {
  tokens = null;
  sessionStorage.removeItem(KEY);
}

// Building the page -------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  append(node, children);
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

function badge(state) {
  return el('span', { class: `badge ${state}` }, state.replace('_', ' '));
}

function button(label, action, className) {
  const name = label.toLowerCase().replaceAll(' ', '-');
  return el('button', { type: 'button', class: className, 'data-action': name, onclick: action }, label);
}

function table(headers, rows, key) {
  const head = el('tr', {}, headers.map((h) => el('th', { class: h.number ? 'number' : null }, h.label ?? h)));
  const body = rows.map((row) => {
    const cells = row.cells.map((cell, i) =>
      el('td', { class: headers[i]?.number ? 'number' : null }, cell));
    return el('tr', { [`data-${key}`]: row.key }, cells);
  });
  return el('table', {}, el('thead', {}, head), el('tbody', {}, body));
}

const number = (label) => ({ label, number: true });

function cards(figures) {
  return el('div', { class: 'cards' }, figures.map(([label, figure]) =>
    el('div', { class: 'card' }, el('div', { class: 'figure' }, figure), el('div', { class: 'label' }, label))));
}

function when(stamp) {
  return stamp ? new Date(stamp).toLocaleString() : '—';
}

function yuan(fen) {
  return `¥${(fen / 100).toFixed(2)}`;
}

function duration(secs) {
  if (secs === undefined || secs === null) return '—';
  if (secs < 90) return `${Math.round(secs)} s`;
  if (secs < 5400) return `${Math.round(secs / 60)} min`;
  return `${(secs / 3600).toFixed(1)} h`;
}

// A bar chart as SVG: presentation attributes, no inline style, so the strict
// Content-Security-Policy holds. A few bars are each labelled, slanted; a long series
// (days) names its first and last.
function barChart(title, points) {
  const width = 360;
  const labelEach = points.length <= 12;
  const bottom = labelEach ? 64 : 18;
  const height = 132 + bottom;
  const left = labelEach ? 64 : 34;
  const max = Math.max(1, ...points.map(([, value]) => value));
  const step = (width - left) / Math.max(points.length, 1);
  const bars = points.map(([label, value], i) => {
    const h = ((height - bottom - 8) * value) / max;
    return svg('rect', {
      x: left + i * step + 1,
      y: height - bottom - h,
      width: Math.max(step - 2, 1),
      height: h,
      fill: '#2657d6',
    }, svg('title', {}, `${label}: ${value}`));
  });
  const labels = labelEach
    ? points.map(([label], i) => {
      const x = left + (i + 0.5) * step;
      const y = height - bottom + 10;
      return svg('text', { x, y, 'text-anchor': 'end', transform: `rotate(-40 ${x} ${y})` }, label);
    })
    : [
      svg('text', { x: left, y: height - 4 }, points[0]?.[0] ?? ''),
      svg('text', { x: width, y: height - 4, 'text-anchor': 'end' }, points.at(-1)?.[0] ?? ''),
    ];
  const axis = [
    svg('line', { x1: left, y1: height - bottom, x2: width, y2: height - bottom, stroke: '#d9dde5' }),
    svg('text', { x: 0, y: 12 }, String(max)),
    svg('text', { x: 0, y: height - bottom }, '0'),
  ];
  return el('figure', {},
    el('figcaption', {}, title),
    svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': title },
      axis, bars, labels));
}

// Notices and actions ------------------------------------------------------------------

function notice(message, isError = false) {
  const box = document.getElementById('notice');
  box.textContent = message;
  box.className = isError ? 'error' : '';
}

// Runs one API call for a button, says what came of it and shows the page again.
async function act(method, path, done, body) {
  try {
    const answer = await api(method, path, body);
    notice(typeof done === 'function' ? done(answer) : done);
  } catch (error) {
    notice(error.message, true);
  }
  await show();
}

function enc(part) {
  return encodeURIComponent(part);
}

function query(params) {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return entries.length ? `?${new URLSearchParams(entries)}` : '';
}

// Pages --------------------------------------------------------------------------------

async function overview() {
  const [stats, queues] = await Promise.all([api('GET', '/admin/stats?days=14'), api('GET', '/admin/queues')]);
  const total = (field) => queues.reduce((sum, q) => sum + q[field], 0);
  const finished = queues.map((q) => [q.kind, q.succeeded_last_hour + q.failed_last_hour]);
  const uses = stats.days.map((d) => [d.day.slice(5), d.uploads + d.diagnoses + d.question_sets + d.interviews]);
  return [
    el('h2', {}, 'Overview'),
    cards([
      ['users', stats.users],
      ['signed in now', stats.signed_in_now],
      ['paying users', stats.paying_users],
      ['revenue', yuan(stats.revenue_fen)],
      ['jobs due', total('due')],
      ['running', total('running')],
      ['succeeded, last hour', total('succeeded_last_hour')],
      ['failed, last hour', total('failed_last_hour')],
    ]),
    el('div', { class: 'charts' },
      barChart('Throughput: jobs finished in the last hour, by queue', finished),
      barChart('Uses per day (uploads, analyses, interviews), last 14 days', uses)),
  ];
}

async function queues() {
  const list = await api('GET', '/admin/queues');
  const rows = list.map((q) => {
    const next = q.paused ? 'resume' : 'pause';
    return {
      key: q.kind,
      cells: [
        el('a', { href: `#/jobs${query({ kind: q.kind })}` }, q.kind),
        badge(q.paused ? 'paused' : 'active'),
        q.due, q.scheduled, q.running, q.window, q.succeeded_last_hour, q.failed_last_hour,
        duration(q.oldest_due_secs),
        button(q.paused ? 'Resume' : 'Pause',
          () => act('POST', `/admin/queues/${enc(q.kind)}/${next}`, `${q.kind}: ${next}d`)),
      ],
    };
  });
  return [
    el('h2', {}, 'Queues'),
    table(['Queue', 'State', number('Due'), number('Scheduled'), number('Running'), number('In Redis'),
      number('Succeeded, 1 h'), number('Failed, 1 h'), 'Oldest due', ''], rows, 'kind'),
  ];
}

function jobActions(job) {
  const path = `/admin/jobs/${job.id}`;
  return [
    job.status === 'failed' && button('Retry', () => act('POST', `${path}/retry`, 'queued again')),
    ['queued', 'failed'].includes(job.status) && button('Run now', () => act('POST', `${path}/run-now`, 'runs next')),
    job.status === 'queued' && button('Cancel', () => act('POST', `${path}/cancel`, 'cancelled'), 'danger'),
    job.status === 'failed' && button('Delete', () => act('DELETE', `/admin/dead-letters/${job.id}`, 'deleted'), 'danger'),
  ];
}

function jobRows(items) {
  return items.map((job) => ({
    key: job.id,
    cells: [
      el('a', { href: `#/job/${job.id}` }, job.id.slice(0, 8)),
      job.kind,
      badge(job.status),
      `${job.attempt} of ${job.max_attempts}`,
      when(job.created_at),
      when(job.finished_at),
      job.error ? el('span', { class: 'error' }, job.error.slice(0, 160)) : '',
      el('span', {}, jobActions(job)),
    ],
  }));
}

const JOB_HEADERS = ['Job', 'Kind', 'Status', 'Attempt', 'Created', 'Finished', 'Error', ''];

function filterForm(fields, params, page) {
  const form = el('form', { class: 'filters' }, fields.map(([name, label, options]) => {
    const input = options
      ? el('select', { name }, el('option', { value: '' }, 'any'),
        options.map((o) => el('option', { value: o, selected: params.get(name) === o }, o)))
      : el('input', { name, value: params.get(name) ?? '' });
    return el('label', {}, label, input);
  }), el('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/${page}${query(Object.fromEntries(new FormData(form)))}`;
  });
  return form;
}

async function kinds() {
  return (await api('GET', '/admin/queues')).map((q) => q.kind);
}

async function jobs(params) {
  const [page, known] = await Promise.all([
    api('GET', `/admin/jobs${query({ kind: params.get('kind'), status: params.get('status'), limit: 50 })}`),
    kinds(),
  ]);
  const statuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
  const kind = params.get('kind');
  const bulk = {
    queued: button('Cancel all matching', () => act('POST', `/admin/jobs/cancel${query({ kind })}`,
      (r) => `${r.cancelled} of ${r.matched} cancelled${r.more ? '; more match' : ''}`), 'danger'),
    failed: el('a', { href: `#/dead-letters${query({ kind })}` }, 'Retry or delete them as dead letters'),
  }[params.get('status')];
  return [
    el('h2', {}, 'Jobs'),
    filterForm([['kind', 'Kind', known], ['status', 'Status', statuses]], params, 'jobs'),
    bulk && el('div', { class: 'filters' }, bulk),
    table(JOB_HEADERS, jobRows(page.items), 'job'),
    page.next_cursor && el('p', { class: 'muted' }, 'Newest 50 shown; narrow the filter to see others.'),
  ];
}

async function deadLetters(params) {
  const filter = { kind: params.get('kind'), error: params.get('error') };
  const [page, known] = await Promise.all([
    api('GET', `/admin/dead-letters${query({ ...filter, limit: 50 })}`),
    kinds(),
  ]);
  const sure = el('input', { type: 'checkbox', name: 'sure' });
  const bulk = el('div', { class: 'filters' },
    button('Retry all matching', () => act('POST', `/admin/dead-letters/retry${query(filter)}`,
      (r) => `${r.retried} of ${r.matched} queued again${r.unaffordable ? `, ${r.unaffordable} unaffordable` : ''}${r.more ? '; more match' : ''}`), 'primary'),
    button('Delete all matching', () => {
      if (!sure.checked) return notice('Tick “sure” to delete every matching failed job.', true);
      return act('POST', `/admin/dead-letters/delete${query(filter)}`,
        (r) => `${r.deleted} of ${r.matched} deleted${r.more ? '; more match' : ''}`);
    }, 'danger'),
    el('label', {}, 'sure', sure));
  return [
    el('h2', {}, 'Dead letters'),
    filterForm([['kind', 'Kind', known], ['error', 'Error says', null]], params, 'dead-letters'),
    bulk,
    page.items.length ? table(JOB_HEADERS, jobRows(page.items), 'job') : el('p', { class: 'muted' }, 'No failed job matches.'),
  ];
}

async function jobDetail(params, id) {
  const detail = await api('GET', `/admin/jobs/${enc(id)}`);
  const { job } = detail;
  const attempts = detail.attempts.map((a) => ({
    key: a.attempt,
    cells: [a.attempt, a.kind, a.worker ?? '—', when(a.started_at), a.duration_ms ?? '—',
      a.outcome ? badge(a.outcome) : badge('running'), a.error ?? ''],
  }));
  return [
    el('h2', {}, `Job ${job.id}`),
    el('p', {}, badge(job.status), ` ${job.kind}, attempt ${job.attempt} of ${job.max_attempts}, priority ${detail.priority} `, jobActions(job)),
    job.error && el('p', { class: 'error' }, job.error),
    el('h2', {}, 'Attempts'),
    table(['#', 'Kind', 'Worker', 'Started', number('ms'), 'Outcome', 'Error'], attempts, 'attempt'),
    el('h2', {}, 'Payload'),
    el('pre', {}, JSON.stringify(job.payload, null, 2)),
    job.result !== undefined && [el('h2', {}, 'Result'), el('pre', {}, JSON.stringify(job.result, null, 2))],
  ];
}

async function workers() {
  const list = await api('GET', '/admin/workers');
  const rows = list.map((w) => ({
    key: w.id,
    cells: [w.id, `${w.host} (${w.pid})`, w.version, w.queues.join(', ') || 'all', w.concurrency, w.running,
      badge(w.state), when(w.heartbeat_at),
      w.state === 'alive' && button('Quiet', () => act('POST', `/admin/workers/${enc(w.id)}/quiet`, `${w.id} drains`))],
  }));
  return [
    el('h2', {}, 'Workers'),
    table(['Worker', 'Host', 'Version', 'Queues', number('Concurrency'), number('Running'), 'State', 'Heartbeat', ''], rows, 'worker'),
  ];
}

// The day before today in China time, which the nightly audit covers.
function yesterdayInChina() {
  return new Date(Date.now() + 8 * 3600e3 - 86400e3).toISOString().slice(0, 10);
}

async function schedules() {
  const list = await api('GET', '/admin/schedules');
  const rows = list.map((s) => {
    const runNow = s.kind === 'crawl'
      ? () => act('POST', `/sources/${s.source_id}/crawl`, `${s.name}: crawl queued`)
      : () => act('POST', '/admin/reconciliations', 'audit queued', { from: yesterdayInChina(), to: yesterdayInChina() });
    return {
      key: s.source_id ?? s.kind,
      cells: [s.name, s.kind, s.schedule ?? 'only when asked', badge(s.enabled ? 'active' : 'paused'),
        when(s.last_run_at), s.last_status ? badge(s.last_status) : '—', when(s.next_run_at),
        button('Run now', runNow)],
    };
  });
  return [
    el('h2', {}, 'Schedules'),
    table(['Name', 'Kind', 'Schedule (UTC)', 'State', 'Last run', 'Last status', 'Next run', ''], rows, 'schedule'),
  ];
}

async function stats(params) {
  const days = params.get('days') || '30';
  const s = await api('GET', `/admin/stats?days=${enc(days)}`);
  const series = (field) => s.days.map((d) => [d.day.slice(5), d[field]]);
  const revenue = s.days.map((d) => [d.day.slice(5), d.revenue_fen / 100]);
  return [
    el('h2', {}, 'Statistics'),
    filterForm([['days', 'Days', ['7', '30', '90']]], params, 'stats'),
    cards([['users', s.users], ['invited', s.invited_users], ['signed in now', s.signed_in_now], ['paying users', s.paying_users], ['revenue', yuan(s.revenue_fen)]]),
    cards(s.feedback.map((f) => [`${f.module} rating`, `${f.average.toFixed(1)} (${f.ratings})`])),
    el('div', { class: 'charts' },
      barChart('New users per day', series('new_users')),
      barChart('Registrations by invitation per day', series('invited_users')),
      barChart('Active users per day', series('active_users')),
      barChart('Paying users per day', series('paying_users')),
      barChart('Revenue per day (yuan)', revenue),
      barChart('Uploads per day', series('uploads')),
      barChart('Diagnoses per day', series('diagnoses')),
      barChart('Question sets per day', series('question_sets')),
      barChart('Interviews per day', series('interviews')),
      barChart('Crawls per day', series('crawls'))),
  ];
}

const PAGES = {
  overview,
  queues,
  jobs,
  'dead-letters': deadLetters,
  workers,
  schedules,
  stats,
  job: jobDetail,
};

// Routing and signing in ---------------------------------------------------------------

async function show() {
  const [path, search] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, id] = path.split('/');
  const signedIn = tokens !== null;
  document.getElementById('sign-in').hidden = signedIn;
  document.getElementById('nav').hidden = !signedIn;
  const page = document.getElementById('page');
  if (!signedIn) {
    page.replaceChildren();
    return;
  }
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('current', link.getAttribute('href') === `#/${name}`);
  }
  try {
    const render = PAGES[name] ?? overview;
    const asked = location.hash;
    const shown = [await render(new URLSearchParams(search), id)].flat(Infinity).filter(Boolean);
    // A page asked for meanwhile (a link followed while an action's page reloaded) wins.
    if (location.hash !== asked) return;
    page.replaceChildren(...shown);
    page.dataset.page = PAGES[name] ? name : 'overview';
  } catch (error) {
    if (error.status === 403) return refuse();
    notice(error.message, true);
  }
}

function refuse() {
  forget();
  notice('This account is not an administrator: the console is for administrators only.', true);
  show();
}

async function signIn(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const response = await fetch(`${API}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: form.get('email'), password: form.get('password') }),
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) return notice(answer?.error?.message ?? 'signing in failed', true);
  keep(answer);
  notice('');
  if (!location.hash) location.hash = '#/overview';
  await show();
}

async function signOut() {
  await api('POST', '/auth/logout').catch(() => null);
  forget();
  notice('Signed out.');
  show();
}

document.getElementById('sign-in').addEventListener('submit', signIn);
document.getElementById('sign-out').addEventListener('click', signOut);
window.addEventListener('hashchange', () => {
  notice('');
  show();
});
// The sign-in form stays hidden until its handler is attached, so it is never sent as a
// plain form (the policy's form-action 'none' would block that too).
show().then(() => {
  document.body.dataset.ready = 'true';
});
