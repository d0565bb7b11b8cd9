// The four object kinds of SPEC §3 as the dashboard shows them: list columns and form fields.
// A field edits one top-level key of the object; keys without a field are kept as they are and
// edited in the JSON view.

const joined = list => (list || []).join(', ');

export const KINDS = {
  routes: {
    title: 'Routes', singular: 'route',
    columns: [
      ['paths', r => joined(r.paths)],
      ['hosts', r => joined(r.hosts)],
      ['methods', r => joined(r.methods)],
      ['headers', r => Object.entries(r.headers || {}).map(([k, v]) => `${k}: ${v}`).join(', ')],
      ['upstream', r => r.upstream || ''],
    ],
    fields: [
      {key: 'paths', type: 'list', hint: 'comma separated, e.g. /api, /users/{id}'},
      {key: 'hosts', type: 'list', hint: 'comma separated; empty = any host'},
      {key: 'methods', type: 'list', hint: 'comma separated; empty = any method'},
      {key: 'upstream', type: 'choice', from: 'upstreams'},
      {key: 'priority', type: 'int'},
      {key: 'strip_prefix', type: 'bool'},
      {key: 'plugins', type: 'json', hint: 'plugin name → config'},
    ],
  },
  upstreams: {
    title: 'Upstreams', singular: 'upstream',
    columns: [
      ['balancer', u => u.balancer || 'round-robin'],
      ['targets', u => (u.targets || []).map(t => t.url).join(', ')],
    ],
    fields: [
      {key: 'balancer', type: 'select',
        options: ['round-robin', 'weighted', 'ip-hash', 'least-connections', 'consistent-hash']},
      {key: 'targets', type: 'targets', hint: 'one per line: URL [weight]'},
      {key: 'health_check', type: 'json'},
      {key: 'circuit_breaker', type: 'json'},
    ],
  },
  consumers: {
    title: 'Consumers', singular: 'consumer',
    columns: [
      ['auth', c => ['key_auth', 'basic_auth', 'jwt'].filter(k => c[k]).join(', ')],
      ['plugins', c => Object.keys(c.plugins || {}).join(', ')],
    ],
    fields: [
      {key: 'key_auth', type: 'json', hint: 'secrets show as ******** and are kept when sent back so'},
      {key: 'basic_auth', type: 'json'},
      {key: 'jwt', type: 'json'},
      {key: 'plugins', type: 'json'},
    ],
  },
  certificates: {
    title: 'Certificates', singular: 'certificate',
    columns: [['snis', c => joined(c.snis)]],
    fields: [
      {key: 'snis', type: 'list', hint: 'comma separated server names'},
      {key: 'cert', type: 'text-area', hint: 'PEM'},
      {key: 'key', type: 'text-area', hint: 'PEM; shown as ******** and kept when sent back so'},
    ],
  },
};
