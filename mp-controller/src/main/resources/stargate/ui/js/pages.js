// Fleet, rollouts, history, audit, GitOps and explain.
import {el, mount, pretty, when} from './dom.js';
import {call} from './api.js';
import {confirmThenWrite, problemView} from './save.js';

/** The node record fields shown as columns; anything else a node reports is shown as JSON. */
const NODE_COLUMNS = ['id', 'address', 'version', 'started_at', 'applied_revision', 'lag', 'last_error'];

export async function fleetPage() {
  const answer = await call('GET', '/nodes');
  const nodes = answer.body.items || [];
  const behind = nodes.filter(n => n.lag !== 0).length;
  const extra = n => Object.fromEntries(Object.entries(n).filter(([k]) => !NODE_COLUMNS.includes(k)));
  return el('section', {},
    el('header', {class: 'page-head'}, el('h2', {}, 'Fleet'),
      el('span', {class: 'muted'}, `${nodes.length} node(s) · ${behind ? behind + ' behind' : 'all converged'}`)),
    el('table', {class: 'list', id: 'nodes'},
      el('thead', {}, el('tr', {}, ['node', 'address', 'version', 'started', 'applied revision', 'lag', 'last error',
        'targets and circuits'].map(h => el('th', {}, h)))),
      el('tbody', {}, nodes.length ? nodes.map(n => el('tr', {dataset: {node: n.id}},
        el('td', {}, el('code', {}, n.id)), el('td', {}, n.address || ''), el('td', {}, n.version || ''),
        el('td', {}, when(n.started_at)), el('td', {class: 'num'}, n.applied_revision ?? '—'),
        el('td', {class: 'num'}, el('span', {class: 'badge ' + (n.lag === 0 ? 'ok' : 'warn')}, n.lag ?? 'unknown')),
        el('td', {class: n.last_error ? 'bad' : 'muted'}, n.last_error || 'none'),
        el('td', {}, Object.keys(extra(n)).length ? el('pre', {class: 'small'}, pretty(extra(n)))
          : el('span', {class: 'muted'}, 'not in the node record (node admin port /status)')))) :
        el('tr', {}, el('td', {colspan: 8, class: 'muted'}, 'No node has registered.')))));
}

const ROLLOUT_BADGE = {baking: 'warn', promoting: 'warn', promoted: 'ok', rolled_back: 'bad', aborted: ''};

/** One side of a rollout's figures: `812 requests, 0.06% 5xx, p99 5 ms on 2 node(s)`. */
function side(name, f) {
  return f ? `${name}: ${f.requests} requests, ${f.error_rate} 5xx, p99 ${f.p99_ms ?? '—'} ms on ${f.nodes} node(s)` : '';
}

/** Progressive rollouts (docs/rollout.md): state, canaries, live figures or the verdict; promote and abort the active one. */
export async function rolloutsPage(ctx) {
  const items = (await call('GET', '/rollouts')).body.items || [];
  const panel = el('div', {id: 'panel'});
  const act = (r, verb, label) => {
    const b = el('button', {type: 'button', class: verb, disabled: !ctx.canWrite, dataset: {rollout: r.id}}, label);
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        const answer = await call('POST', `/rollouts/${encodeURIComponent(r.id)}/${verb}`);
        ctx.flash(`Rollout ${r.id}: ${answer.body.state.replace('_', ' ')}.`);
        ctx.refresh();
      } catch (e) {
        mount(panel, problemView(e));
        b.disabled = false;
      }
    });
    return b;
  };
  const figures = r => {
    const f = r.figures || r.verdict;
    if (!f) return el('span', {class: 'muted'}, 'none');
    return el('div', {class: 'figures'}, el('div', {}, side('canary', f.canary)), el('div', {}, side('baseline', f.baseline)),
      r.figures ? el('div', {class: 'muted'}, f.enough_requests ? 'enough requests to judge' : 'waiting for min_requests') : null);
  };
  return el('section', {},
    el('header', {class: 'page-head'}, el('h2', {}, 'Rollouts'),
      el('span', {class: 'muted'}, 'writes with ?rollout=canary: canaries serve the change first; promoted after the bake, rolled back on a breach')),
    panel,
    el('table', {class: 'list', id: 'rollouts'},
      el('thead', {}, el('tr', {}, ['rollout', 'state', 'change', 'canaries', 'started', 'bake ends', 'figures', 'reason', '']
        .map(h => el('th', {}, h)))),
      el('tbody', {}, items.length ? items.map(r => el('tr', {dataset: {rollout: r.id, state: r.state}},
        el('td', {}, el('code', {}, r.id)),
        el('td', {}, el('span', {class: 'badge ' + (ROLLOUT_BADGE[r.state] ?? ''), id: 'state-' + r.id}, r.state.replace('_', ' '))),
        el('td', {}, r.summary || '', el('ul', {class: 'changes'}, (r.changes || []).map(c =>
          el('li', {}, el('span', {class: 'op op-' + c.op}, c.op), ' ', c.kind, ' ', el('code', {}, c.id))))),
        el('td', {}, (r.canaries || []).join(', ')),
        el('td', {}, when(r.created_at), el('div', {class: 'muted'}, r.created_by || '',
          r.commit ? el('code', {}, ' ' + String(r.commit).slice(0, 10)) : null)),
        el('td', {}, when(r.bake_ends_at)),
        el('td', {id: 'figures-' + r.id}, figures(r)),
        el('td', {class: r.state === 'rolled_back' ? 'bad' : ''}, r.reason || ''),
        el('td', {}, r.state === 'baking' ? [act(r, 'promote', 'Promote'), ' ', act(r, 'abort', 'Abort')]
          : r.state === 'promoting' ? act(r, 'promote', 'Promote') : null))) :
        el('tr', {}, el('td', {colspan: 9, class: 'muted'}, 'No rollout yet: a write with ?rollout=canary starts one.')))));
}

/** One page of a numbered log (history, audit): newest first, `after` for older ones. */
async function logPage(path, params, limit) {
  const query = new URLSearchParams({limit: String(limit)});
  if (params.get('after')) query.set('after', params.get('after'));
  return (await call('GET', `${path}?${query}`)).body;
}

function olderLink(base, page) {
  return page.next_after ? el('a', {class: 'button', href: `${base}?after=${page.next_after}`}, 'Older ›') : null;
}

export async function historyPage(ctx, params) {
  const page = await logPage('/history', params, 25);
  const panel = el('div', {id: 'panel'});
  const restore = item => confirmThenWrite({panel, editor: null,
    dryRun: () => call('POST', '/rollback?dry_run=true', {revision: item.revision}),
    write: () => call('POST', '/rollback', {revision: item.revision}),
    done: answer => { ctx.flash(`Restored the config as of revision ${answer.body.restored_revision}.`); ctx.refresh(); }});
  return el('section', {},
    el('header', {class: 'page-head'}, el('h2', {}, 'History'),
      el('span', {class: 'muted'}, 'every write that changed the config; restoring shows the diff first')),
    panel,
    el('table', {class: 'list', id: 'history'},
      el('thead', {}, el('tr', {}, ['revision', 'when', 'who', 'source', 'from', 'summary', ''].map(h => el('th', {}, h)))),
      el('tbody', {}, (page.items || []).map(item => el('tr', {dataset: {revision: item.revision}},
        el('td', {class: 'num'}, item.revision), el('td', {}, when(item.at)), el('td', {}, item.who || ''),
        el('td', {}, item.source || '', item.commit ? el('code', {}, ' ' + String(item.commit).slice(0, 10)) : null),
        el('td', {}, item.from || ''), el('td', {}, item.summary || ''),
        el('td', {}, el('button', {type: 'button', class: 'rollback', disabled: !ctx.canWrite || item.restorable === false,
          onclick: restore(item)}, 'Restore…')))))),
    el('nav', {class: 'pager'}, olderLink('#/history', page)));
}

export async function auditPage(ctx, params) {
  const page = await logPage('/audit', params, 200);
  const filters = {who: params.get('who') || '', source: params.get('source') || '', object: params.get('object') || ''};
  const keep = item => (!filters.who || (item.who || '').toLowerCase().includes(filters.who.toLowerCase()))
    && (!filters.source || item.source === filters.source)
    && (!filters.object || (item.changes || []).some(c => `${c.kind}/${c.id}`.toLowerCase().includes(filters.object.toLowerCase())));
  const input = (name, placeholder) => {
    const i = el('input', {type: 'search', id: 'filter-' + name, name, placeholder, value: filters[name]});
    i.addEventListener('change', () => apply());
    return i;
  };
  const who = input('who', 'who'), object = input('object', 'kind/id, e.g. routes/users');
  const source = el('select', {id: 'filter-source'}, ['', 'api', 'git', 'rollback', 'rollout'].map(s => el('option', {value: s}, s || 'any source')));
  source.value = filters.source;
  source.addEventListener('change', () => apply());
  const apply = () => ctx.go('#/audit?' + new URLSearchParams({who: who.value, source: source.value, object: object.value,
    ...(params.get('after') ? {after: params.get('after')} : {})}));
  const items = (page.items || []).filter(keep);
  return el('section', {},
    el('header', {class: 'page-head'}, el('h2', {}, 'Audit log'),
      el('span', {class: 'muted'}, `${items.length} of ${(page.items || []).length} entries on this page`)),
    el('div', {class: 'filters'}, who, source, object),
    el('table', {class: 'list', id: 'audit'},
      el('thead', {}, el('tr', {}, ['revision', 'when', 'who', 'source', 'from', 'changes'].map(h => el('th', {}, h)))),
      el('tbody', {}, items.map(item => el('tr', {},
        el('td', {class: 'num'}, item.revision), el('td', {}, when(item.at)), el('td', {}, item.who || ''),
        el('td', {}, item.source || '', item.commit ? el('code', {}, ' ' + String(item.commit).slice(0, 10)) : null),
        el('td', {}, item.from || ''),
        el('td', {}, el('div', {}, item.summary || ''), el('ul', {class: 'changes'}, (item.changes || []).map(c =>
          el('li', {}, el('span', {class: 'op op-' + c.op}, c.op), ' ', c.kind, ' ', el('code', {}, c.id))))))))),
    el('nav', {class: 'pager'}, olderLink('#/audit', page)));
}

export async function gitopsPage(ctx) {
  const status = (await call('GET', '/gitops/status')).body;
  if (status.enabled === false) {
    return el('section', {}, el('header', {class: 'page-head'}, el('h2', {}, 'GitOps')),
      el('p', {class: 'notice', id: 'gitops-off'}, 'GitOps is off: start the controller with --git URL (SPEC §10).'));
  }
  const panel = el('div', {id: 'panel'});
  const act = (label, path, id) => {
    const b = el('button', {type: 'button', id, disabled: !ctx.canWrite}, label);
    b.addEventListener('click', async () => {
      b.disabled = true;
      mount(panel, el('p', {class: 'muted'}, label + '…'));
      try {
        await call('POST', path);
        ctx.flash(label + ': done.');
        ctx.refresh();
      } catch (e) {
        mount(panel, problemView(e));
        b.disabled = false;
      }
    });
    return b;
  };
  const scalars = Object.entries(status).filter(([, v]) => v === null || typeof v !== 'object');
  const nested = Object.entries(status).filter(([k, v]) => v !== null && typeof v === 'object' && k !== 'errors');
  const errors = Array.isArray(status.errors) ? status.errors : [];
  return el('section', {},
    el('header', {class: 'page-head'}, el('h2', {}, 'GitOps'),
      el('span', {class: 'badge ' + (status.sync === 'Synced' ? 'ok' : status.sync === 'Failed' ? 'bad' : 'warn'), id: 'sync'},
        status.sync || 'Unknown'),
      el('span', {class: 'grow'}), act('Sync now', '/gitops/sync', 'sync-now'),
      status.suspended ? act('Resume', '/gitops/resume', 'resume') : act('Suspend', '/gitops/suspend', 'suspend')),
    panel,
    errors.length ? el('table', {class: 'list', id: 'gitops-errors'},
      el('thead', {}, el('tr', {}, ['file', 'path', 'error'].map(h => el('th', {}, h)))),
      el('tbody', {}, errors.map(e => el('tr', {}, el('td', {}, el('code', {}, e.file || '')),
        el('td', {}, el('code', {}, e.path || '')), el('td', {class: 'bad'}, e.message || ''))))) : null,
    el('table', {class: 'kv'}, scalars.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v === null ? '—' : String(v))))),
    nested.map(([k, v]) => el('details', {}, el('summary', {}, k), el('pre', {class: 'code'}, pretty(v)))));
}

export function explainPage() {
  const method = el('select', {id: 'explain-method'}, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']
    .map(m => el('option', {value: m}, m)));
  const url = el('input', {id: 'explain-url', type: 'text', placeholder: 'http://api.example.com/users/42?x=1'});
  const headers = el('textarea', {id: 'explain-headers', rows: 3, placeholder: 'Name: value (one per line)'});
  const result = el('div', {id: 'explain-result'});
  const go = async () => {
    const h = {};
    for (const line of headers.value.split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) h[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    try {
      const r = (await call('POST', '/explain', {method: method.value, url: url.value.trim(), headers: h})).body;
      mount(result,
        el('p', {class: 'verdict'}, r.refused ? el('span', {class: 'bad'}, 'Refused: ' + r.refused)
          : r.route ? ['Served by route ', el('code', {id: 'explain-route'}, r.route)]
            : el('span', {class: 'warn'}, 'No route matches (404).')),
        el('p', {class: 'muted'}, `matched path ${r.path ?? ''} · config revision ${r.revision}`),
        r.params && Object.keys(r.params).length ? el('table', {class: 'kv'}, Object.entries(r.params)
          .map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, String(v))))) : null,
        el('h3', {}, 'Why not the others'),
        (r.candidates || []).length ? el('table', {class: 'list', id: 'explain-candidates'},
          el('thead', {}, el('tr', {}, el('th', {}, 'route'), el('th', {}, 'reason'))),
          el('tbody', {}, r.candidates.map(c => el('tr', {}, el('td', {}, el('code', {}, c.route)), el('td', {}, c.reason)))))
          : el('p', {class: 'muted'}, 'No other route was a candidate.'));
    } catch (e) {
      mount(result, problemView(e));
    }
  };
  return el('section', {},
    el('header', {class: 'page-head'}, el('h2', {}, 'Explain'),
      el('span', {class: 'muted'}, 'which route serves this request, and why not the others')),
    el('form', {class: 'explain', onsubmit: e => { e.preventDefault(); go(); }},
      el('div', {class: 'row'}, method, url, el('button', {type: 'submit', class: 'primary', id: 'explain-go'}, 'Explain')),
      el('label', {for: 'explain-headers'}, 'headers'), headers),
    result);
}
