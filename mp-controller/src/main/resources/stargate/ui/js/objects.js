// Routes, upstreams, consumers and certificates: list (search, pages), create, edit, delete.
import {el, mount, when} from './dom.js';
import {call, listAll, objectPath, withoutServerFields} from './api.js';
import {KINDS} from './kinds.js';
import {editor} from './editor.js';
import {confirmThenWrite, problemView} from './save.js';

const PAGE_SIZE = 20;

/** The list page of one kind. state = {query, page} lives in the URL so Back works. */
export async function listPage(ctx, collection, params) {
  const kind = KINDS[collection];
  const answer = await listAll(collection);
  const items = answer.items;
  const query = (params.get('q') || '').toLowerCase();
  // Search the whole object as the API shows it: id, paths, targets, plugin names...
  const matching = query ? items.filter(o => JSON.stringify(o).toLowerCase().includes(query)) : items;
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, Number(params.get('page')) || 1));
  const shown = matching.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const go = (q, p) => ctx.go(`#/${collection}?` + new URLSearchParams({q, page: String(p)}));
  const panel = el('div', {id: 'panel'});

  const search = el('input', {type: 'search', id: 'search', placeholder: 'search', value: params.get('q') || ''});
  search.addEventListener('change', () => go(search.value, 1));

  const row = o => el('tr', {dataset: {id: o.id}},
    el('td', {}, el('a', {href: `#/${collection}/edit/${encodeURIComponent(o.id)}`, class: 'object-link'}, o.id)),
    kind.columns.map(([, render]) => el('td', {}, render(o))),
    el('td', {class: 'muted'}, when(o.updated_at), ' ', o.updated_by ? '· ' + o.updated_by : ''),
    el('td', {}, el('button', {type: 'button', class: 'danger delete', disabled: !ctx.canWrite,
      title: ctx.canWrite ? null : 'viewer: read only',
      onclick: confirmThenWrite({panel, editor: null,
        dryRun: () => call('DELETE', objectPath(collection, o.id) + '?dry_run=true', undefined, {'If-Match': `"${o.revision}"`}),
        write: () => call('DELETE', objectPath(collection, o.id), undefined, {'If-Match': `"${o.revision}"`}),
        done: () => { ctx.flash(`Deleted ${kind.singular} ${o.id}.`); ctx.refresh(); }})}, 'Delete')));

  return el('section', {},
    el('header', {class: 'page-head'}, el('h2', {}, kind.title),
      el('span', {class: 'muted'}, `${matching.length} of ${items.length} · config revision ${answer.revision}`),
      el('span', {class: 'grow'}), search,
      el('a', {class: 'button primary' + (ctx.canWrite ? '' : ' disabled'), id: 'new',
        href: ctx.canWrite ? `#/${collection}/new` : null, 'aria-disabled': String(!ctx.canWrite)},
      'New ' + kind.singular)),
    panel,
    el('table', {class: 'list', id: 'list'},
      el('thead', {}, el('tr', {}, el('th', {}, 'id'), kind.columns.map(([name]) => el('th', {}, name)),
        el('th', {}, 'updated'), el('th', {}))),
      el('tbody', {}, shown.length ? shown.map(row)
        : el('tr', {}, el('td', {colspan: kind.columns.length + 3, class: 'muted'}, query ? 'Nothing matches.' : 'None yet.')))),
    pages > 1 ? el('nav', {class: 'pager'},
      el('button', {type: 'button', disabled: page <= 1, onclick: () => go(params.get('q') || '', page - 1)}, '‹ Previous'),
      el('span', {}, `page ${page} of ${pages}`),
      el('button', {type: 'button', disabled: page >= pages, onclick: () => go(params.get('q') || '', page + 1)}, 'Next ›'))
      : null);
}

/** Create (id null) or edit one object. */
export async function editPage(ctx, collection, id) {
  const kind = KINDS[collection];
  const creating = id === null;
  let current = {}, etag = null;
  if (!creating) {
    const answer = await call('GET', objectPath(collection, id));
    current = answer.body;
    etag = answer.etag;
  }
  const choices = {};
  for (const f of kind.fields.filter(f => f.type === 'choice')) {
    choices[f.from] = (await listAll(f.from)).items.map(o => o.id);
  }
  const form = editor(withoutServerFields(current), {fields: kind.fields, idField: {locked: !creating},
    readOnly: !ctx.canWrite, choices});
  const panel = el('div', {id: 'panel'});
  const target = () => creating ? '/' + collection : objectPath(collection, id);
  const method = creating ? 'POST' : 'PUT';
  const ifMatch = creating ? {} : {'If-Match': etag};
  const save = el('button', {type: 'button', class: 'primary', id: 'save', disabled: !ctx.canWrite},
    creating ? 'Create…' : 'Save…');
  save.addEventListener('click', confirmThenWrite({panel, editor: form,
    dryRun: () => call(method, target() + '?dry_run=true', form.value(), ifMatch),
    write: () => call(method, target(), form.value(), ifMatch),
    done: answer => {
      ctx.flash(`Saved ${kind.singular} ${answer.body.id} (revision ${answer.body.revision}).`);
      ctx.go('#/' + collection);
    }}));
  const remove = creating ? null : el('button', {type: 'button', class: 'danger', id: 'delete', disabled: !ctx.canWrite,
    onclick: confirmThenWrite({panel, editor: null,
      dryRun: () => call('DELETE', objectPath(collection, id) + '?dry_run=true', undefined, {'If-Match': etag}),
      write: () => call('DELETE', objectPath(collection, id), undefined, {'If-Match': etag}),
      done: () => { ctx.flash(`Deleted ${kind.singular} ${id}.`); ctx.go('#/' + collection); }})}, 'Delete…');

  return el('section', {},
    el('header', {class: 'page-head'},
      el('h2', {}, creating ? 'New ' + kind.singular : kind.singular + ' ', creating ? null : el('code', {id: 'object-id'}, id)),
      creating ? null : el('span', {class: 'muted'},
        `revision ${current.revision} · updated ${when(current.updated_at)} by ${current.updated_by || '?'}`)),
    ctx.canWrite ? null : el('p', {class: 'notice'}, 'Read only: your role is viewer.'),
    form.node,
    el('div', {class: 'actions'}, save, remove, el('a', {href: '#/' + collection, class: 'button'}, 'Back')),
    panel);
}

/** The global plugins: one object, plugin name → config, edited like the others (JSON view). */
export async function globalPluginsPage(ctx) {
  const answer = await call('GET', '/global-plugins');
  const form = editor(withoutServerFields(answer.body), {fields: [], idField: null, readOnly: !ctx.canWrite});
  const panel = el('div', {id: 'panel'});
  const ifMatch = {'If-Match': answer.etag};
  const save = el('button', {type: 'button', class: 'primary', id: 'save', disabled: !ctx.canWrite}, 'Save…');
  save.addEventListener('click', confirmThenWrite({panel, editor: form,
    dryRun: () => call('PUT', '/global-plugins?dry_run=true', form.value(), ifMatch),
    write: () => call('PUT', '/global-plugins', form.value(), ifMatch),
    done: () => { ctx.flash('Saved the global plugins.'); ctx.refresh(); }}));
  return el('section', {},
    el('header', {class: 'page-head'}, el('h2', {}, 'Global plugins'),
      el('span', {class: 'muted'}, 'run on every route; plugin name → config; ',
        answer.body.updated_at ? `updated ${when(answer.body.updated_at)} by ${answer.body.updated_by}` : 'none yet')),
    form.node, el('div', {class: 'actions'}, save), panel);
}

export {problemView};
