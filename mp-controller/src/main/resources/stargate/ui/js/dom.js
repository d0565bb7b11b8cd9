// Building the page without ever parsing API data as HTML: every string goes in as a text node or
// an attribute value. A route whose header match is "<script>..." shows those characters.

/**
 * el('button', {class: 'x', onclick: f, disabled: true}, 'text', child, [more])
 * Props starting with "on" are listeners; "dataset" is an object; false/null props are left out.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (key === 'value' || key === 'checked') {
      node[key] = value;
    } else {
      node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of node. */
export function mount(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** Formats a timestamp in the browser's locale, or the raw text when it does not parse. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString();
}

/** Pretty JSON, the one text form of API objects in the page. */
export function pretty(value) {
  return JSON.stringify(value, null, 2);
}
