// An object editor: a form over some top-level keys, a JSON view of the whole object (editable)
// and a YAML view (read-only). One draft object is the truth; each view reads it when shown.
import {el, mount, pretty} from './dom.js';
import {toYaml} from './yaml.js';

/** The form field an API error path belongs to: "targets[0].url" → "targets". */
export function fieldOf(path) {
  return String(path || '').split(/[.[]/)[0];
}

function fieldText(field, value) {
  if (value === undefined || value === null) return '';
  switch (field.type) {
    case 'list': return value.join(', ');
    case 'json': return pretty(value);
    case 'targets': return value.map(t => t.weight !== undefined && t.weight !== 1 ? `${t.url} ${t.weight}` : t.url).join('\n');
    default: return String(value);
  }
}

/** The value a field's text stands for; undefined removes the key. Throws Error with a message. */
function fieldValue(field, text, checked) {
  if (field.type === 'bool') return checked ? true : undefined;
  const t = text.trim();
  if (t === '') return undefined;
  switch (field.type) {
    case 'list': return t.split(',').map(s => s.trim()).filter(Boolean);
    case 'int': {
      if (!/^-?\d+$/.test(t)) throw new Error('a whole number');
      return Number(t);
    }
    case 'json': {
      try {
        return JSON.parse(t);
      } catch (e) {
        throw new Error('not JSON: ' + e.message);
      }
    }
    case 'targets': return t.split('\n').map(s => s.trim()).filter(Boolean).map(line => {
      const [url, weight] = line.split(/\s+/);
      if (weight !== undefined && !/^\d+$/.test(weight)) throw new Error(`"${line}": the weight is a whole number`);
      return weight === undefined ? {url} : {url, weight: Number(weight)};
    });
    case 'text-area': return text;
    default: return t;
  }
}

/**
 * @param draft the object to edit (copied)
 * @param options {fields, idField: {value, locked} | null, readOnly, choices: {upstreams: [ids]}}
 */
export function editor(draft, {fields, idField, readOnly, choices = {}}) {
  let value = structuredClone(draft);
  const inputs = new Map(); // key → {field, input, error}
  const clientErrors = new Map(); // key → message: what the browser already knows is wrong
  const general = el('ul', {class: 'errors', id: 'form-errors'});
  const body = el('div', {class: 'editor-body'});
  let view = 'form';

  function row(field) {
    const id = 'f-' + field.key;
    let input;
    const current = value[field.key];
    if (field.type === 'bool') {
      input = el('input', {type: 'checkbox', id, name: field.key, checked: current === true});
    } else if (field.type === 'select' || field.type === 'choice') {
      const options = field.type === 'select' ? field.options : (choices[field.from] || []);
      const known = current === undefined || options.includes(current) ? options : [...options, current];
      input = el('select', {id, name: field.key}, el('option', {value: ''}, '—'),
        known.map(o => el('option', {value: o}, o)));
      input.value = current ?? '';
    } else if (['json', 'targets', 'text-area'].includes(field.type)) {
      input = el('textarea', {id, name: field.key, rows: field.type === 'json' ? 5 : 4, spellcheck: 'false'});
      input.value = fieldText(field, current);
    } else {
      input = el('input', {id, name: field.key, type: field.type === 'int' ? 'number' : 'text'});
      input.value = fieldText(field, current);
    }
    const error = el('div', {class: 'field-error', id: id + '-error', role: 'alert'});
    const sync = () => {
      try {
        const v = fieldValue(field, input.value, input.checked);
        if (v === undefined) delete value[field.key]; else value[field.key] = v;
        clientErrors.delete(field.key);
        error.textContent = '';
      } catch (e) {
        clientErrors.set(field.key, e.message);
        error.textContent = e.message;
      }
    };
    input.addEventListener(field.type === 'bool' || input.tagName === 'SELECT' ? 'change' : 'input', sync);
    inputs.set(field.key, {field, input, error});
    return el('div', {class: 'field', dataset: {field: field.key}},
      el('label', {for: id}, field.key), input,
      field.hint ? el('small', {}, field.hint) : null, error);
  }

  function idRow() {
    const input = el('input', {id: 'f-id', name: 'id', type: 'text', readonly: idField.locked});
    input.value = value.id ?? '';
    input.addEventListener('input', () => { value.id = input.value.trim(); });
    const error = el('div', {class: 'field-error', id: 'f-id-error', role: 'alert'});
    inputs.set('id', {field: {key: 'id'}, input, error});
    return el('div', {class: 'field', dataset: {field: 'id'}}, el('label', {for: 'f-id'}, 'id'), input, error);
  }

  function show(which) {
    if (clientErrors.size) return; // a field does not parse: stay on it
    view = which;
    for (const b of tabs.querySelectorAll('button')) b.classList.toggle('active', b.dataset.view === which);
    inputs.clear();
    if (which === 'form') {
      mount(body, el('fieldset', {disabled: readOnly}, idField ? idRow() : null, fields.map(row)));
    } else if (which === 'json') {
      const area = el('textarea', {id: 'json-view', class: 'code', rows: 20, spellcheck: 'false', readonly: readOnly});
      area.value = pretty(value);
      const error = el('div', {class: 'field-error', id: 'json-view-error', role: 'alert'});
      area.addEventListener('input', () => {
        try {
          const parsed = JSON.parse(area.value);
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('an object is expected');
          value = parsed;
          clientErrors.delete('json');
          error.textContent = '';
        } catch (e) {
          clientErrors.set('json', e.message);
          error.textContent = e.message;
        }
      });
      mount(body, area, error);
    } else {
      mount(body, el('pre', {id: 'yaml-view', class: 'code'}, toYaml(value)));
    }
  }

  const tabs = el('div', {class: 'tabs', role: 'tablist'},
    [['form', 'Form'], ['json', 'JSON'], ['yaml', 'YAML']].map(([v, label]) =>
      el('button', {type: 'button', dataset: {view: v}, onclick: () => show(v)}, label)));
  const node = el('div', {class: 'editor'}, tabs, general, body);
  show(fields.length || idField ? 'form' : 'json');

  return {
    node,
    value: () => structuredClone(value),
    /** What the browser already knows is wrong, as {path, message}. */
    clientErrors: () => [...clientErrors].map(([path, message]) => ({path, message})),
    /** Shows API errors: at their field when the form has it, in the list above otherwise. */
    showErrors(errors) {
      mount(general);
      for (const {error} of inputs.values()) error.textContent = '';
      for (const e of errors) {
        const at = view === 'form' ? inputs.get(fieldOf(e.path)) : null;
        if (at) {
          at.error.textContent = (at.error.textContent ? at.error.textContent + '; ' : '')
            + (e.path === at.field.key ? '' : e.path + ': ') + e.message;
          at.input.setAttribute('aria-invalid', 'true');
        } else {
          general.append(el('li', {}, el('code', {}, e.path || '(object)'), ' ', e.message));
        }
      }
    },
  };
}
