/** The helpdesk target's ticket, help, logout and admin routes; each flaw is guarded by `flaw(...)`. */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { caller, fail, readFields, readXml, send, type Request, type Ticket, type User } from './helpdesk-handlers.js';
import { BadInput, childText, parseXml, renderTicket } from './helpdesk-parsers.js';

// Planted (redos): the spec's own pattern, which backtracks exponentially on "aaaa…!".
const BACKTRACKING_TAG = /^([a-z0-9]+-?)*$/;
const LINEAR_TAG = /^(?:[a-z0-9]+(?:-[a-z0-9]+)*-?)?$/;

const view = (t: Ticket): Record<string, unknown> => ({ id: t.id, subject: t.subject, body: t.body, status: t.status, priority: t.priority, tag: t.tag });

/** A new ticket from fields; undefined after answering when the input is refused (or the handler "crashed"). */
function newTicket(r: Request, me: User, fields: Record<string, string | undefined>): Ticket | undefined {
  const { subject, body = '', tag = '' } = fields;
  if (subject === undefined || subject.length < 1 || subject.length > 120 || body.length > 2000 || tag.length > 40) { fail(r.res, 400, 'invalid input'); return undefined; }
  if (!(r.flaw('redos') ? BACKTRACKING_TAG : LINEAR_TAG).test(tag)) { fail(r.res, 400, 'invalid tag'); return undefined; }
  const priority = fields.priority === undefined || fields.priority === '' ? 3 : Number(fields.priority);
  if (!Number.isInteger(priority) || priority < 1 || priority > 5) {
    if (r.flaw('crash')) {
      // Planted: a priority-name lookup throws in a callback nobody catches; the worker dies and
      // the connection drops without an answer.
      r.req.socket.destroy();
      return undefined;
    }
    fail(r.res, 400, 'priority must be 1 to 5');
    return undefined;
  }
  const t: Ticket = { id: r.s.nextTicket++, owner: me.id, subject, body, status: 'open', priority, tag };
  r.s.tickets.set(t.id, t);
  return t;
}

async function tickets(r: Request, me: User): Promise<boolean> {
  const { res, s, method, path } = r;
  if (`${method} ${path}` === 'GET /tickets') {
    const status = r.query.get('status');
    send(res, 200, [...s.tickets.values()].filter((t) => t.owner === me.id && (status === null || t.status === status)).map(view));
    return true;
  }
  if (`${method} ${path}` === 'POST /tickets') {
    const t = newTicket(r, me, (await readFields(r.req)).fields);
    if (t !== undefined) send(res, 201, view(t));
    return true;
  }
  if (`${method} ${path}` === 'POST /tickets/import') {
    if (!/xml/i.test(r.req.headers['content-type'] ?? '')) { fail(res, 400, 'expected an XML body'); return true; }
    const doc = await readXml(r);
    if (doc.name !== 'ticket') throw new BadInput('expected a <ticket> element');
    // The legacy desk allowed long subjects: the importer keeps the first 120 characters.
    const t = newTicket(r, me, { subject: childText(doc, 'subject')?.slice(0, 120), body: childText(doc, 'body')?.slice(0, 2000), priority: childText(doc, 'priority') });
    if (t !== undefined) send(res, 201, view(t));
    return true;
  }
  const m = /^\/tickets\/([^/]+)(\/preview|\/attachments)?$/.exec(path);
  if (m === null) return false;
  const id = /^\d{1,9}$/.test(m[1] as string) ? Number(m[1]) : NaN;
  const t = s.tickets.get(id);
  const mine = t !== undefined && (t.owner === me.id || me.role === 'admin');
  const sub = m[2] ?? '';
  if (sub === '' && (method === 'PATCH' || method === 'DELETE')) {
    // Planted (bola-write): reads check the owner, writes forgot to.
    if (t === undefined || (!mine && !r.flaw('bola-write'))) { fail(res, 404, 'no such ticket'); return true; }
    if (method === 'DELETE') { s.tickets.delete(t.id); res.writeHead(204).end(); return true; }
    const { fields } = await readFields(r.req);
    if ((fields.subject !== undefined && (fields.subject.length < 1 || fields.subject.length > 120)) || (fields.body !== undefined && fields.body.length > 2000)
      || (fields.status !== undefined && !['open', 'closed'].includes(fields.status))) { fail(res, 400, 'invalid input'); return true; }
    if (fields.subject !== undefined) t.subject = fields.subject;
    if (fields.body !== undefined) t.body = fields.body;
    if (fields.status !== undefined) t.status = fields.status;
    send(res, 200, view(t));
    return true;
  }
  // Planted (preview-bola): the preview forgot the owner check the other reads have.
  const previewing = sub === '/preview' && method === 'GET' && r.flaw('preview-bola');
  if (t === undefined || (!mine && !previewing)) { fail(res, 404, 'no such ticket'); return true; }
  if (sub === '' && method === 'GET') { send(res, 200, view(t)); return true; }
  if (sub === '/preview' && method === 'GET') { send(res, 200, renderTicket(t.subject, t.body, r.flaw('ssti')), 'text/html; charset=utf-8'); return true; }
  if (sub === '/attachments' && method === 'POST') {
    if (!/multipart\/form-data/i.test(r.req.headers['content-type'] ?? '')) { fail(res, 400, 'expected multipart/form-data'); return true; }
    const { files } = await readFields(r.req);
    const file = files.find((f) => f.name === 'file');
    if (file === undefined) { fail(res, 400, 'the file part is missing'); return true; }
    let title: string | undefined;
    if (/\.xml$/i.test(file.filename ?? '') || /xml/i.test(file.contentType ?? '')) {
      const doc = parseXml(file.data.toString('utf8'), r.flaw('xxe'));
      title = (childText(doc, 'title', 'name', 'subject') ?? doc.name).slice(0, 200);
    }
    send(res, 201, { id: s.nextTicket++, filename: basename(file.filename ?? 'file'), size: file.data.length, ...(title === undefined ? {} : { title }) });
    return true;
  }
  return false;
}

async function publicRoutes(r: Request): Promise<boolean> {
  const { res, method, path } = r;
  if (method === 'GET' && path === '/help/articles') {
    const file = r.query.get('file') ?? '';
    // Planted (traversal): the name is joined onto the directory as it is.
    if (!r.flaw('traversal') && (file === '' || basename(file) !== file || file.startsWith('.'))) { send(res, 404, 'no such article', 'text/plain'); return true; }
    try {
      send(res, 200, (await readFile(join(r.s.articles, file), 'utf8')).slice(0, 65_536), 'text/plain; charset=utf-8');
    } catch {
      send(res, 404, 'no such article', 'text/plain');
    }
    return true;
  }
  if (method === 'GET' && path === '/logout') {
    const next = r.query.get('next') ?? '';
    // Planted (open-redirect): wherever the link says. Fixed: only paths on this site.
    const location = r.flaw('open-redirect') ? next || '/helpdesk/' : /^\/(?![/\\])/.test(next) ? next : '/helpdesk/';
    res.writeHead(302, { location: location.replace(/[^\x21-\x7e]/gu, (c) => (/[\ud800-\udfff]/.test(c) ? '' : encodeURIComponent(c))), 'content-type': 'text/plain' }).end('');
    return true;
  }
  return false;
}

export async function handleTickets(r: Request): Promise<boolean> {
  if (await publicRoutes(r)) return true;
  const me = await caller(r);
  if (me === undefined) return false;
  if (r.method === 'GET' && r.path === '/admin/reset') {
    // Planted (destructive-get): any logged-in user wipes the data, with a GET.
    if (!r.flaw('destructive-get') && me.role !== 'admin') { fail(r.res, 403, 'administrators only'); return true; }
    r.s.tickets.clear();
    for (const [id, u] of r.s.users) if (!u.seeded) r.s.users.delete(id);
    send(r.res, 200, { status: 'reset' });
    return true;
  }
  return tickets(r, me);
}
