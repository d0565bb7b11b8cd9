// Rendering the diffs the API answers (a dry run, a history entry): per changed object, a line
// diff of its JSON before and after.
import {el, pretty} from './dom.js';

/** Lines above which the LCS table (n*m cells) is not worth it: both sides are shown whole. */
const MAX_DIFF_CELLS = 4_000_000;

/** Line diff by longest common subsequence: [{op: ' ' | '-' | '+', text}]. */
export function lineDiff(beforeText, afterText) {
  const a = beforeText ? beforeText.split('\n') : [];
  const b = afterText ? afterText.split('\n') : [];
  if (a.length * b.length > MAX_DIFF_CELLS) {
    return [...a.map(text => ({op: '-', text})), ...b.map(text => ({op: '+', text}))];
  }
  const lcs = Array.from({length: a.length + 1}, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({op: ' ', text: a[i]}); i++; j++;
    } else if (j < b.length && (i === a.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.push({op: '+', text: b[j]}); j++;
    } else {
      out.push({op: '-', text: a[i]}); i++;
    }
  }
  return out;
}

/** One change {op, kind, id, before, after} as a headed block of diff lines. */
export function changeView(change) {
  const before = change.before === null || change.before === undefined ? '' : pretty(change.before);
  const after = change.after === null || change.after === undefined ? '' : pretty(change.after);
  const rows = (before || after) ? lineDiff(before, after) : [];
  return el('div', {class: 'change'},
    el('div', {class: 'change-head'}, el('span', {class: 'op op-' + change.op}, change.op), ' ',
      change.kind, ' ', el('code', {}, change.id === '' ? '(global)' : change.id)),
    rows.length ? el('pre', {class: 'diff'}, rows.map(r =>
      el('span', {class: r.op === '+' ? 'add' : r.op === '-' ? 'del' : 'ctx'}, r.op + ' ' + r.text + '\n'))) : null);
}

/** A dry run's answer {summary, changes}. */
export function diffView(answer) {
  const changes = answer?.changes || [];
  return el('div', {class: 'diffs'},
    el('p', {class: 'summary'}, answer?.summary || (changes.length ? '' : 'no changes')),
    changes.map(changeView));
}
