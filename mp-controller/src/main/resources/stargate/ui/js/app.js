// The shell: sign-in, navigation and the hash router (#/routes, #/routes/edit/<id>, #/fleet...).
import {el, mount} from './dom.js';
import {call, probeRole, signIn, signOut, signedIn} from './api.js';
import {KINDS} from './kinds.js';
import {editPage, globalPluginsPage, listPage} from './objects.js';
import {auditPage, explainPage, fleetPage, gitopsPage, historyPage, rolloutsPage} from './pages.js';
import {problemView} from './save.js';

const NAV = [
  ...Object.entries(KINDS).map(([path, k]) => [path, k.title]),
  ['global-plugins', 'Global plugins'], ['fleet', 'Fleet'], ['rollouts', 'Rollouts'], ['history', 'History'], ['audit', 'Audit'],
  ['gitops', 'GitOps'], ['explain', 'Explain'],
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let role = null;
let flashText = '';

const ctx = {
  get canWrite() { return role === 'admin'; },
  go(hash) {
    if (location.hash === hash) render(); else location.hash = hash;
  },
  refresh() { render(); },
  flash(text) { flashText = text; },
};

function signInPage(error) {
  const scheme = el('select', {id: 'scheme'}, el('option', {value: 'key'}, 'API key'), el('option', {value: 'bearer'}, 'Bearer token (JWT)'));
  const secret = el('input', {id: 'secret', type: 'password', autocomplete: 'off', required: true});
  const submit = async event => {
    event.preventDefault();
    signIn(scheme.value, secret.value.trim());
    try {
      role = await probeRole();
    } catch (e) {
      signOut();
      mount(main, signInPage(e));
      return;
    }
    showShell();
    render();
  };
  return el('section', {class: 'signin'},
    el('h2', {}, 'Sign in'),
    el('p', {class: 'muted'}, 'The key or token stays in this tab\'s memory: closing or reloading the tab signs you out.'),
    error ? problemView(error) : null,
    el('form', {id: 'signin', onsubmit: submit},
      el('label', {for: 'scheme'}, 'with'), scheme,
      el('label', {for: 'secret'}, 'secret'), secret,
      el('button', {type: 'submit', class: 'primary', id: 'signin-go'}, 'Sign in')));
}

function showShell() {
  mount(nav, NAV.map(([path, title]) => el('a', {href: '#/' + path, dataset: {page: path}}, title)));
  mount(who, el('span', {id: 'role', class: 'badge ' + (role === 'admin' ? 'ok' : 'warn')}, role),
    el('button', {type: 'button', id: 'signout', onclick: () => { signOut(); role = null; location.hash = ''; location.reload(); }},
      'Sign out'));
}

async function page(parts, params) {
  const [first, action, id] = parts;
  if (KINDS[first]) {
    if (action === 'new') return editPage(ctx, first, null);
    if (action === 'edit' && id !== undefined) return editPage(ctx, first, decodeURIComponent(id));
    return listPage(ctx, first, params);
  }
  switch (first) {
    case 'global-plugins': return globalPluginsPage(ctx);
    case 'fleet': return fleetPage(ctx);
    case 'rollouts': return rolloutsPage(ctx);
    case 'history': return historyPage(ctx, params);
    case 'audit': return auditPage(ctx, params);
    case 'gitops': return gitopsPage(ctx);
    case 'explain': return explainPage(ctx);
    default: return listPage(ctx, 'routes', params);
  }
}

let rendering = 0;
async function render() {
  if (!signedIn()) {
    mount(main, signInPage());
    return;
  }
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.page === (parts[0] || 'routes'));
  const mine = ++rendering;
  const flash = flashText;
  flashText = '';
  let content;
  try {
    content = await page(parts, new URLSearchParams(query));
  } catch (e) {
    content = problemView(e);
  }
  if (mine !== rendering) return; // a later navigation won
  mount(main, flash ? el('div', {class: 'flash', id: 'flash', role: 'status'}, flash) : null, content);
  main.dataset.ready = location.hash || '#/'; // for the browser tests: which page is on screen,
  main.dataset.renders = String(mine); // and that it is a fresh rendering
}

window.addEventListener('hashchange', render);
render();
