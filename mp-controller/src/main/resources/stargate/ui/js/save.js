// Every change in the dashboard goes the same way: a dry run first (the API answers the diff and
// writes nothing), the diff shown, then the write on "Apply" with If-Match, so a change made by
// someone else in between is refused (412) instead of overwritten.
import {el, mount} from './dom.js';
import {diffView} from './diff.js';
import {ApiError} from './api.js';

/** A problem as a box: title, detail and every {path, message}. */
export function problemView(error) {
  if (!(error instanceof ApiError)) return el('div', {class: 'problem', role: 'alert'}, String(error?.message || error));
  const p = error.problem || {};
  return el('div', {class: 'problem', role: 'alert'},
    el('strong', {}, `${error.status || ''} ${p.title || 'Error'}`.trim()), p.detail ? ': ' + p.detail : '',
    error.errors.length ? el('ul', {}, error.errors.map(e => el('li', {}, el('code', {}, e.path || '(object)'), ' ', e.message))) : null,
    error.status === 412 ? el('p', {}, 'Someone changed it since you opened it: reload to see their change.') : null);
}

/**
 * Wires a Save button: dry run → diff in `panel` with Apply/Cancel → write.
 * @param o {panel, editor (or null), dryRun(): Promise, write(): Promise, done(answer)}
 */
export function confirmThenWrite(o) {
  return async () => {
    const local = o.editor?.clientErrors() || [];
    if (local.length) {
      o.editor.showErrors(local);
      mount(o.panel, el('div', {class: 'problem', role: 'alert'}, 'Fix the marked fields first.'));
      return;
    }
    mount(o.panel, el('p', {class: 'muted'}, 'Dry run…'));
    let preview;
    try {
      preview = await o.dryRun();
    } catch (e) {
      o.editor?.showErrors(e.errors || []);
      mount(o.panel, problemView(e));
      return;
    }
    o.editor?.showErrors([]);
    const apply = el('button', {class: 'primary', id: 'apply', type: 'button'}, 'Apply');
    const cancel = el('button', {type: 'button', id: 'cancel', onclick: () => mount(o.panel)}, 'Cancel');
    apply.addEventListener('click', async () => {
      apply.disabled = true;
      try {
        o.done(await o.write());
      } catch (e) {
        o.editor?.showErrors(e.errors || []);
        mount(o.panel, problemView(e));
      }
    });
    mount(o.panel, el('section', {class: 'preview', id: 'preview'},
      el('h3', {}, 'Dry run: this is what will change'), diffView(preview.body),
      el('div', {class: 'actions'}, apply, cancel)));
    o.panel.scrollIntoView({block: 'nearest'});
  };
}
