#!/usr/bin/env node
// A small in-memory stand-in for the Sluice API (/api/v1), for front-end work while the Go backend is not
// running and to rehearse the e2e walkthrough:
//   node frontend/dev/mock-server.mjs            (PORT=8080 by default)
//   SLUICE_URL=http://127.0.0.1:8080 npm run e2e
// It reads the demo users, flow and form from schemas/examples, walks the flow's graph (review nodes make
// tasks, plugin nodes run at once, switch edges use `when`), and serves frontend/dist/app with the SPA
// fallback like the Go binary. It follows the API contract, not the real engine; nothing is persisted.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const distDir = path.resolve(here, '../dist/app');
const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || '127.0.0.1';

const L = (zhTW, zhCN, en) => ({ 'zh-TW': zhTW, 'zh-CN': zhCN, en });
const examples = path.resolve(here, '../../schemas/examples');
const readExample = (rel) => {
  const file = path.join(examples, rel);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
};

// The demo definitions of schemas/examples when they are there; a tiny stand-in otherwise.
const demo = readExample('demo.json') || {
  departments: [{ key: 'sales' }, { key: 'finance' }, { key: 'warehouse' }, { key: 'service' }],
  users: [
    ['clerk', 'sales', 'order_clerk'], ['manager', 'sales', 'sales_manager'], ['finance', 'finance', 'finance'],
    ['finance2', 'finance', 'finance'], ['warehouse', 'warehouse', 'warehouse'], ['service', 'service', 'customer_service'],
  ].map(([username, department, role]) => ({ username, display_name: username, locale: 'zh-TW', memberships: [{ department, role }] })),
  products: [],
};
const FORM = readExample('forms/order.json') || {
  key: 'order', version: 1, name: L('訂單', '订单', 'Order'), computed: { total: 'sum(qty*price)' },
  schema: {
    type: 'object', required: ['customer', 'items'],
    properties: {
      customer: { type: 'object', title: '客戶', required: ['name'], properties: { name: { type: 'string', title: '客戶名稱', minLength: 1 } } },
      items: { type: 'array', title: '品項', minItems: 1, items: { type: 'object', required: ['sku', 'qty', 'price'], properties: { sku: { type: 'string', title: '料號' }, name: { type: 'string', title: '品名' }, qty: { type: 'integer', title: '數量', minimum: 1 }, price: { type: 'number', title: '單價', minimum: 0 } } } },
      total: { type: 'number', title: '合計', readOnly: true },
    },
  },
  ui: { total: { 'ui:readonly': true } },
};
FORM.version ??= 1;
const FLOWDEF = readExample('flows/order-review.json') || {
  key: 'order-review', name: L('訂單審核', '订单审核', 'Order review'), form: 'order',
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'verify', type: 'review', name: L('資料核對', '资料核对', 'Verify'), mode: 'any', approvers: { role: 'order_clerk' }, allow_self: true },
    { id: 'sales_review', type: 'review', name: L('業務主管審核', '业务主管审核', 'Sales review'), mode: 'any', approvers: { role: 'sales_manager' }, reasons: ['price_too_low'] },
    { id: 'amount', type: 'switch' },
    { id: 'finance_review', type: 'review', name: L('財務覆核', '财务复核', 'Finance review'), mode: 'all', approvers: { role: 'finance', department: 'finance' } },
    { id: 'ship', type: 'review', name: L('出貨', '出货', 'Ship'), mode: 'any', approvers: { role: 'warehouse' } },
    { id: 'aftersales', type: 'review', name: L('售後確認', '售后确认', 'After-sales'), mode: 'any', approvers: { role: 'customer_service' } },
    { id: 'done', type: 'end', status: 'completed' },
  ],
  edges: [
    { from: 'start', to: 'verify' }, { from: 'verify', to: 'sales_review' }, { from: 'sales_review', to: 'amount' },
    { from: 'amount', to: 'finance_review', when: 'order.total >= 50000' }, { from: 'amount', to: 'ship', default: true },
    { from: 'finance_review', to: 'ship' }, { from: 'ship', to: 'aftersales' }, { from: 'aftersales', to: 'done' },
  ],
};
const FLOW = { key: FLOWDEF.key, version: FLOWDEF.version ?? 1, name: FLOWDEF.name };
const NODES = new Map(FLOWDEF.nodes.map((n) => [n.id, n]));
const PRODUCTS = new Map((demo.products || []).map((p) => [p.sku, p]));
const PARENT = new Map((demo.departments || []).map((d) => [d.key, d.parent]));

const USERS = {};
for (const [i, u] of [...demo.users, { username: 'admin', display_name: '系統管理員', locale: 'zh-TW', memberships: [{ department: 'it', role: 'admin' }], is_admin: true }].entries()) {
  USERS[u.username] = { ...u, id: i + 1, dept: u.memberships[0]?.department, role: u.memberships[0]?.role };
}

function deptChain(dept) {
  const out = [];
  for (let d = dept; d && !out.includes(d); d = PARENT.get(d)) out.push(d);
  return out;
}

/** Approvers of a review node: holders of the role, in its department or else in the submitter's department chain. */
function approversFor(node, o) {
  const { role, department } = node.approvers || {};
  const holders = Object.values(USERS).filter((u) => u.memberships.some((m) => m.role === role));
  const chain = deptChain(USERS[o.submitter]?.dept);
  let picked = holders.filter((u) => u.memberships.some((m) => m.role === role && (department ? m.department === department : chain.includes(m.department))));
  if (!picked.length) picked = holders;
  if (node.allow_self === false) picked = picked.filter((u) => u.username !== o.submitter);
  return picked.map((u) => u.username);
}

const sessions = new Map(); // token -> { username, csrf }
const orders = [];
const tasks = [];
let seq = 0;

const now = () => new Date().toISOString();
const problem = (res, status, title, detail, errors) =>
  send(res, status, { type: 'about:blank', title, status, detail, ...(errors ? { errors } : {}) }, 'application/problem+json');

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': type });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

function cookies(req) {
  const out = {};
  for (const p of (req.headers.cookie || '').split(';')) {
    const i = p.indexOf('=');
    if (i > 0) out[p.slice(0, i).trim()] = decodeURIComponent(p.slice(i + 1).trim());
  }
  return out;
}

function userJSON(u) {
  return { id: u.id, username: u.username, display_name: u.display_name, is_admin: !!u.is_admin, locale: u.locale || '' };
}

function history(o, action, extra = {}) {
  o.history.push({ seq: o.history.length + 1, at: now(), actor: null, action, node: null, comment: '', reason: '', detail: null, ...extra });
}

function computeTotal(data) {
  return (data.items || []).reduce((s, it) => s + (Number(it.qty) || 0) * (Number(it.price) || 0), 0);
}

function evalWhen(expr, o) {
  try {
    return !!new Function('order', `return (${expr});`)(o); // trusted demo definitions only
  } catch {
    return false;
  }
}

function advance(o, fromId, outcome) {
  const out = FLOWDEF.edges.filter((e) => e.from === fromId);
  const edge =
    (outcome && out.find((e) => e.outcome === outcome)) ||
    out.find((e) => e.when && evalWhen(e.when, o)) ||
    out.find((e) => e.default) ||
    out.find((e) => !e.when && !e.outcome);
  if (!edge) {
    o.status = 'exception';
    history(o, 'exception', { node: fromId, detail: 'no edge to follow' });
    return;
  }
  enterNode(o, edge.to);
}

function runPlugin(node, o) {
  if (node.plugin === 'inventory.check') {
    const max = node.settings?.max_qty_per_line ?? Infinity;
    const short = (o.data.items || []).filter((it) => it.qty > max || (PRODUCTS.get(it.sku) && it.qty > PRODUCTS.get(it.sku).stock));
    return { outcome: short.length ? 'shortage' : undefined, detail: { plugin: node.plugin, shortage: short.map((i) => i.sku) } };
  }
  return { detail: { plugin: node.plugin, ok: true } };
}

function enterNode(o, id) {
  const n = NODES.get(id);
  history(o, 'node_entered', { node: id });
  if (n.type === 'start' || n.type === 'switch') return advance(o, id);
  if (n.type === 'task') {
    const r = runPlugin(n, o);
    history(o, 'plugin', { node: id, detail: r.detail });
    return advance(o, id, r.outcome);
  }
  if (n.type === 'end') {
    o.current_nodes = [];
    o.status = n.status || 'completed';
    history(o, 'completed', { node: id });
    return;
  }
  o.current_nodes = [id];
  tasks.push({
    id: ++seq, order_id: o.id, node: id, node_name: n.name, mode: n.mode || 'any', assignees: approversFor(n, o),
    approved_by: [], acted_by: [], status: 'open', version: 1, reasons: n.reasons || [], checklist: n.checklist || [],
    created_at: now(),
  });
}

function taskJSON(t, username) {
  const can = t.status === 'open' && t.assignees.includes(username) && !t.approved_by.includes(username);
  const { order_id, approved_by, acted_by, created_at, ...rest } = t;
  return { ...rest, can_act: can };
}

function orderJSON(o, username, withTasks = true) {
  const { history: _h, ...rest } = o;
  const out = { ...rest };
  if (withTasks) out.tasks = tasks.filter((t) => t.order_id === o.id).map((t) => taskJSON(t, username));
  return out;
}

async function readJSON(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  if (!raw) return {};
  return JSON.parse(raw);
}

async function api(req, res, url) {
  const p = url.pathname.replace(/^\/api\/v1/, '');
  const method = req.method;
  const c = cookies(req);
  const sess = sessions.get(c.sluice_session);

  if (p === '/auth/login' && method === 'POST') {
    const { username, password } = await readJSON(req);
    const u = USERS[username];
    if (!u || password !== 'sluice-demo') return problem(res, 401, 'Unauthorized', 'wrong username or password');
    const token = crypto.randomBytes(16).toString('hex');
    const csrf = crypto.randomBytes(16).toString('hex');
    sessions.set(token, { username, csrf });
    res.setHeader('Set-Cookie', [
      `sluice_session=${token}; Path=/; HttpOnly; SameSite=Lax`,
      `sluice_csrf=${csrf}; Path=/; SameSite=Lax`,
    ]);
    return send(res, 200, { token, user: userJSON(u) });
  }
  if (!sess) return problem(res, 401, 'Unauthorized', 'not signed in');
  if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) && req.headers['x-csrf-token'] !== sess.csrf) {
    return problem(res, 403, 'Forbidden', 'missing or wrong CSRF token');
  }
  const me = USERS[sess.username];

  if (p === '/auth/logout' && method === 'POST') {
    sessions.delete(c.sluice_session);
    res.setHeader('Set-Cookie', ['sluice_session=; Path=/; Max-Age=0', 'sluice_csrf=; Path=/; Max-Age=0']);
    return send(res, 204);
  }
  if (p === '/me') return send(res, 200, { user: userJSON(me), memberships: [{ department: me.dept, role: me.role }] });
  if (p === '/flows') return send(res, 200, { items: [{ ...FLOW, form: FORM.key }] });
  if (p === `/flows/${FLOW.key}/form`) return send(res, 200, { flow: FLOW, form: FORM });
  if (p.startsWith('/flows/')) return problem(res, 404, 'Not Found', 'no such flow');

  if (p === '/orders' && method === 'POST') {
    const body = await readJSON(req);
    if (body.flow !== FLOW.key) return problem(res, 422, 'Unprocessable Entity', 'unknown flow', [{ pointer: '/flow', message: 'no published flow with this key' }]);
    const data = body.data || {};
    const errors = [];
    if (!data.customer?.name) errors.push({ pointer: '/data/customer/name', message: 'required' });
    if (!Array.isArray(data.items) || !data.items.length) errors.push({ pointer: '/data/items', message: 'at least one item' });
    (data.items || []).forEach((it, i) => {
      if (!(Number(it.qty) >= 1)) errors.push({ pointer: `/data/items/${i}/qty`, message: 'must be at least 1' });
      if (it.sku && !/^[A-Z0-9][A-Z0-9-]{1,31}$/.test(it.sku)) errors.push({ pointer: `/data/items/${i}/sku`, message: 'does not match the SKU pattern' });
    });
    if ('total' in data) errors.push({ pointer: '/data/total', message: 'computed by the server; do not send it' });
    if (errors.length) return problem(res, 422, 'Unprocessable Entity', 'the order data is not valid', errors);
    const total = computeTotal(data);
    const id = ++seq;
    const o = {
      id, number: `SO-${new Date().getFullYear()}-${String(id).padStart(5, '0')}`, flow: FLOW.key, version: FLOW.version,
      status: 'in_review', department: me.dept, submitter: me.username, data: { ...data, total }, total, current_nodes: [],
      created_at: now(), updated_at: now(), history: [],
    };
    orders.push(o);
    history(o, 'submitted', { actor: me.username });
    enterNode(o, FLOWDEF.nodes.find((n) => n.type === 'start').id);
    return send(res, 201, orderJSON(o, me.username));
  }
  if (p === '/orders' && method === 'GET') {
    const status = url.searchParams.get('status');
    const q = (url.searchParams.get('q') || '').toLowerCase();
    const limit = Number(url.searchParams.get('limit') || 20);
    const cursor = Number(url.searchParams.get('cursor') || 0);
    const list = [...orders].reverse().filter((o) => (!status || o.status === status) &&
      (!q || o.number.toLowerCase().includes(q) || String(o.data.customer?.name || '').toLowerCase().includes(q)));
    const page = list.slice(cursor, cursor + limit);
    const next = cursor + limit < list.length ? String(cursor + limit) : '';
    return send(res, 200, { items: page.map((o) => orderJSON(o, me.username, false)), next_cursor: next });
  }
  let m = p.match(/^\/orders\/(\d+)(\/history)?$/);
  if (m && method === 'GET') {
    const o = orders.find((x) => x.id === Number(m[1]));
    if (!o) return problem(res, 404, 'Not Found', 'no such order');
    return send(res, 200, m[2] ? { items: o.history } : orderJSON(o, me.username));
  }
  if (p === '/tasks' && method === 'GET') {
    const scope = url.searchParams.get('scope') || 'mine';
    const pick = tasks.filter((t) => {
      const o = orders.find((x) => x.id === t.order_id);
      if (scope === 'mine') return t.status === 'open' && t.assignees.includes(me.username) && !t.approved_by.includes(me.username);
      if (scope === 'done') return t.acted_by.includes(me.username);
      return o.submitter === me.username;
    });
    return send(res, 200, {
      items: pick.reverse().map((t) => {
        const o = orders.find((x) => x.id === t.order_id);
        return {
          id: t.id, node: t.node, node_name: t.node_name, status: t.status, created_at: t.created_at,
          order: { id: o.id, number: o.number, flow: o.flow, status: o.status, total: o.total, submitter: o.submitter, department: o.department },
        };
      }),
    });
  }
  m = p.match(/^\/tasks\/(\d+)\/actions$/);
  if (m && method === 'POST') {
    const t = tasks.find((x) => x.id === Number(m[1]));
    if (!t) return problem(res, 404, 'Not Found', 'no such task');
    const o = orders.find((x) => x.id === t.order_id);
    const body = await readJSON(req);
    if (!t.assignees.includes(me.username)) return problem(res, 403, 'Forbidden', 'you are not an assignee of this task');
    if (t.status !== 'open' || t.approved_by.includes(me.username)) return problem(res, 409, 'Conflict', 'the task was already handled');
    if (!['approve', 'reject', 'comment'].includes(body.action)) return problem(res, 422, 'Unprocessable Entity', 'unknown action', [{ pointer: '/action', message: 'must be approve, reject or comment' }]);
    if (body.action === 'reject' && !body.reason) return problem(res, 422, 'Unprocessable Entity', 'a reason is required to reject', [{ pointer: '/reason', message: 'required' }]);
    history(o, body.action, { actor: me.username, node: t.node, comment: body.comment || '', reason: body.reason || '' });
    if (!t.acted_by.includes(me.username)) t.acted_by.push(me.username);
    if (body.action === 'approve') {
      t.approved_by.push(me.username);
      const done = t.mode === 'all' ? t.assignees.every((a) => t.approved_by.includes(a)) : true;
      if (done) {
        t.status = 'done';
        advance(o, t.node);
      }
    } else if (body.action === 'reject') {
      t.status = 'done';
      o.status = 'rejected';
      o.current_nodes = [];
    }
    t.version++;
    o.updated_at = now();
    return send(res, 200, { task: taskJSON(t, me.username), order: orderJSON(o, me.username) });
  }
  return problem(res, 404, 'Not Found', `no route ${method} ${p}`);
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

function serveStatic(req, res, url) {
  let file = path.join(distDir, decodeURIComponent(url.pathname));
  if (!file.startsWith(distDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(distDir, 'index.html');
  if (!fs.existsSync(file)) return send(res, 404, { error: 'front end not built: run npm run build' });
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/api/')) {
    api(req, res, url).catch((e) => problem(res, 500, 'Internal Server Error', String(e)));
  } else serveStatic(req, res, url);
});
server.listen(port, host, () => console.log(`mock Sluice API on http://${host}:${port}`));
