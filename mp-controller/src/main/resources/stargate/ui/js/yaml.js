// A YAML rendering of API objects, as they would be written in a GitOps repository (SPEC §3).
// Emit only: the editable text view is JSON, which the browser parses without a library.

const PLAIN = /^[A-Za-z_/.][A-Za-z0-9_ ./:@-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|~)$/i;

function scalar(value) {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    // Double-quoted YAML is a superset of JSON strings: JSON.stringify escapes everything needed.
    return PLAIN.test(value) && !RESERVED.test(value) && !value.endsWith(' ') && !value.includes(': ')
      ? value : JSON.stringify(value);
  }
  return String(value);
}

function isEmpty(value) {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function lines(value, indent, out) {
  const pad = '  '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'object' && item !== null && !isEmpty(item)) {
        const nested = [];
        lines(item, indent + 1, nested);
        out.push(pad + '- ' + nested[0].trimStart(), ...nested.slice(1));
      } else {
        out.push(pad + '- ' + (isEmpty(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)));
      }
    }
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'object' && item !== null && !isEmpty(item)) {
      out.push(pad + scalar(key) + ':');
      lines(item, indent + 1, out);
    } else {
      out.push(pad + scalar(key) + ': ' + (isEmpty(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)));
    }
  }
}

export function toYaml(value) {
  if (typeof value !== 'object' || value === null) return scalar(value) + '\n';
  if (isEmpty(value)) return (Array.isArray(value) ? '[]' : '{}') + '\n';
  const out = [];
  lines(value, 0, out);
  return out.join('\n') + '\n';
}
