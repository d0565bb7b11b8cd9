// The admin API client. Credentials live in this module's memory only: not in a cookie (nothing for
// a cross-site request to ride on), not in localStorage (nothing left behind when the tab closes).

const BASE = '/api/v1';
let credentials = null; // {scheme: 'key' | 'bearer', secret}

/** An answer that is not 2xx: the RFC 9457 problem, with its errors list ({path, message}). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

export function signIn(scheme, secret) {
  credentials = {scheme, secret};
}

export function signOut() {
  credentials = null;
}

export function signedIn() {
  return credentials !== null;
}

/**
 * One call: resolves {status, etag, body} for 2xx, throws ApiError otherwise.
 * @param headers extra request headers (If-Match)
 */
export async function call(method, path, body, headers = {}) {
  const h = {Accept: 'application/json', ...headers};
  if (credentials?.scheme === 'key') h['X-API-Key'] = credentials.secret;
  if (credentials?.scheme === 'bearer') h.Authorization = 'Bearer ' + credentials.secret;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(BASE + path, {method, headers: h, credentials: 'omit', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (e) {
    throw new ApiError(0, {title: 'Controller unreachable', detail: String(e.message || e)});
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = {detail: text};
  }
  if (!response.ok) {
    throw new ApiError(response.status, parsed || {title: `HTTP ${response.status}`});
  }
  return {status: response.status, etag: response.headers.get('ETag'), body: parsed};
}

/**
 * Which role the credentials carry, without changing anything: a dry run of a write is refused with
 * 403 for a viewer, and answered (a diff, nothing written) for an admin. 401 means bad credentials.
 * @returns 'admin' | 'viewer'
 */
export async function probeRole() {
  const current = await call('GET', '/global-plugins');
  try {
    await call('PUT', '/global-plugins?dry_run=true', withoutServerFields(current.body));
    return 'admin';
  } catch (e) {
    if (e.status === 403) return 'viewer';
    if (e.status === 401) throw e;
    return 'admin'; // refused for another reason (validation): an admin may still write
  }
}

/** Pages of a list followed at most: a bound on what one screen fetches. */
const MAX_LIST_PAGES = 100;

/**
 * Every object of a collection, in id order, and the revision of the first page. Follows the
 * API's continue token when the list comes in pages.
 */
export async function listAll(collection) {
  const first = await call('GET', '/' + collection);
  const items = [...(first.body.items || [])];
  let next = first.body.continue;
  for (let page = 1; next && page < MAX_LIST_PAGES; page++) {
    const more = await call('GET', `/${collection}?continue=${encodeURIComponent(next)}`);
    items.push(...(more.body.items || []));
    next = more.body.continue;
  }
  return {items, revision: first.body.revision};
}

/** The fields the server owns on every object; sent back, they would be refused or ignored. */
export const SERVER_FIELDS = ['created_at', 'updated_at', 'updated_by', 'revision'];

export function withoutServerFields(object) {
  const copy = {...(object || {})};
  for (const f of SERVER_FIELDS) delete copy[f];
  return copy;
}

/** "/routes/" + encoded id: ids may hold characters that mean something in a URL. */
export function objectPath(collection, id) {
  return `/${collection}/${encodeURIComponent(id)}`;
}
