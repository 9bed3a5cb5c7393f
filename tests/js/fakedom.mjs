// A DOM just large enough for the screens drawn in node: ui.js h(), field() and showErrors(), the
// SVG charts (createElementNS), forms (`elements`, focus) and the look-ups screens and tests make
// (querySelector/querySelectorAll/matches/closest with `#id`, `.class`, `[attr]`, `[attr=value]`,
// a tag, `:scope > ...`; document.getElementById over the page). An element's own text is `text`,
// its children `kids` (strings for text nodes); `all()` walks it and its descendants, `find(pred)`
// filters them. Tag names as a browser gives them: upper case from createElement (HTML), as written
// from createElementNS (SVG); `localName` is lower case for both. Attributes are kept as strings.
// installDom() sets globalThis.Node, RadioNodeList and document, and returns the page
// getElementById searches, `focused()` (the element last focused, document.activeElement) and
// `restore()`, which puts back the globals it replaced.

const GLOBALS = ['Node', 'RadioNodeList', 'document'];
const adopt = (parent, nodes) => {
  for (const n of nodes) if (typeof n !== 'string') n.parentNode = parent;
  return nodes;
};

export function installDom() {
  class Node {}
  class Element extends Node {
    constructor(tag, ns = null) {
      super();
      Object.assign(this, { tagName: ns ? tag : tag.toUpperCase(), localName: tag.toLowerCase(), parentNode: null,
        kids: [], attributes: {}, listeners: {}, text: '', value: '' });
    }
    setAttribute(k, v) { this.attributes[k] = String(v); }
    getAttribute(k) { return this.attributes[k] ?? null; }
    removeAttribute(k) { delete this.attributes[k]; }
    get hidden() { return 'hidden' in this.attributes; }
    set hidden(v) { if (v) this.attributes.hidden = ''; else delete this.attributes.hidden; }
    get id() { return this.attributes.id; }
    set id(v) { this.attributes.id = String(v); }
    get type() { return this.attributes.type; }
    set type(v) { this.attributes.type = String(v); }
    get className() { return this.attributes.class ?? ''; }
    set className(v) { this.attributes.class = v; }
    addEventListener(type, fn) { (this.listeners[type] ??= []).push(fn); }
    append(...nodes) { this.kids.push(...adopt(this, nodes)); }
    prepend(...nodes) { this.kids.unshift(...adopt(this, nodes)); }
    replaceChildren(...nodes) { this.kids = adopt(this, nodes); this.text = ''; }
    replaceWith(...nodes) {
      const parent = this.parentNode;
      if (!parent) return;
      const at = parent.kids.indexOf(this);
      parent.kids.splice(at, 1, ...adopt(parent, nodes));
      this.parentNode = null;
    }
    remove() { if (this.parentNode) this.parentNode.kids = this.parentNode.kids.filter((c) => c !== this); this.parentNode = null; }
    focus() { document.activeElement = this; }
    get firstChild() { return this.kids[0] ?? null; }
    get childElementCount() { return this.kids.filter((c) => typeof c !== 'string').length; }
    get textContent() { return this.text + this.kids.map((c) => (typeof c === 'string' ? c : c.textContent)).join(''); }
    set textContent(v) { this.text = v; this.kids = []; }
    *all() { yield this; for (const c of this.kids) if (typeof c !== 'string') yield* c.all(); }
    find(pred) { return [...this.all()].filter(pred); }
    matches(sel) {
      if (sel.includes(',')) return sel.split(',').some((s) => this.matches(s.trim()));
      if (sel.startsWith('#')) return this.id === sel.slice(1);
      if (sel.startsWith('.')) return sel.slice(1).split('.').every((c) => this.className.split(' ').includes(c));
      const attr = /^\[([\w-]+)(?:="?([^"\]]*)"?)?\]$/.exec(sel);
      if (attr) return attr[1] in this.attributes && (attr[2] === undefined || this.attributes[attr[1]] === attr[2]);
      return this.localName === sel.toLowerCase();
    }
    closest(sel) {
      let e = this;
      while (e && !e.matches(sel)) e = e.parentNode;
      return e ?? null;
    }
    querySelectorAll(sel) {
      const child = /^:scope\s*>\s*(.+)$/.exec(sel);
      if (child) return this.kids.filter((c) => typeof c !== 'string' && c.matches(child[1]));
      return [...this.all()].slice(1).filter((e) => e.matches(sel)); // descendants only, as a browser
    }
    querySelector(sel) { return this.querySelectorAll(sel)[0] ?? null; }
    get elements() { return Object.fromEntries([...this.all()].filter((e) => e.attributes.name).map((e) => [e.attributes.name, e])); }
    reset() { for (const e of Object.values(this.elements)) e.value = ''; } // a form's fields emptied (text fields: all the tests fill)
  }

  const saved = GLOBALS.map((k) => globalThis[k]);
  const page = new Element('main');
  globalThis.Node = Node;
  globalThis.RadioNodeList = class {};
  globalThis.document = {
    createElement: (tag) => new Element(tag),
    createElementNS: (ns, tag) => new Element(tag, ns),
    getElementById: (id) => page.querySelector(`#${id}`),
    documentElement: {},
    activeElement: null,
  };
  return {
    page,
    focused: () => document.activeElement,
    restore() { GLOBALS.forEach((k, i) => { globalThis[k] = saved[i]; }); },
  };
}
