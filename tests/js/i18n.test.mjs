// The dictionary (static/pwa/js/i18n.js): Bahasa Indonesia first, English second, for every key;
// the same {placeholders} in both; and every t('key', {…}) call passes exactly what its text asks.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { setLang, t, textKeys, texts } from '../../static/pwa/js/i18n.js';

const js = fileURLToPath(new URL('../../static/pwa/js/', import.meta.url));
const files = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
// {n} and an English count's {n:one|many} both ask for n
const placeholders = (text) => [...new Set([...text.matchAll(/\{(\w+)(?::[^}]*)?\}/g)].map((m) => m[1]))].sort();

test('every key has a non-empty Indonesian and English text, and nothing more', () => {
  assert.ok(textKeys().length > 300);
  for (const key of textKeys()) {
    const entry = texts(key);
    assert.equal(entry.length, 2, `${key}: [Indonesian, English]`);
    for (const text of entry) assert.ok(typeof text === 'string' && text.trim(), `${key}: a text in each language`);
  }
});

test('the Indonesian and English texts of a key ask for the same {placeholders}', () => {
  for (const key of textKeys()) {
    const [id, en] = texts(key);
    assert.deepEqual(placeholders(en), placeholders(id), `${key}: ${id} | ${en}`);
  }
});

/** The top-level property names of the object literal that starts at src[from] ('{'); '...' for a spread. */
function literalKeys(src, from) {
  let depth = 0;
  let end = from;
  for (; end < src.length; end += 1) {
    if (src[end] === '{') depth += 1;
    else if (src[end] === '}' && --depth === 0) break;
  }
  const parts = [];
  let part = '';
  depth = 0;
  for (const ch of src.slice(from + 1, end)) {
    if ('({['.includes(ch)) depth += 1;
    if (')}]'.includes(ch)) depth -= 1;
    if (ch === ',' && !depth) { parts.push(part); part = ''; } else part += ch;
  }
  parts.push(part);
  return parts.map((p) => p.trim()).filter(Boolean).map((p) => (p.startsWith('...') ? '...' : p.split(':')[0].trim()));
}

test("a screen's t('key', {…}) gives each placeholder of the text, and none it does not ask for", () => {
  let checked = 0;
  for (const f of files(js).filter((p) => p.endsWith('.js') && !p.endsWith('i18n.js'))) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/\bt\('(\w+)'(\s*,\s*)?/g)) {
      const asked = placeholders(texts(m[1])[0]);
      const at = `${relative(js, f)}: t('${m[1]}')`;
      if (!m[2]) { assert.deepEqual(asked, [], `${at} is given none of ${asked}`); continue; }
      const from = m.index + m[0].length;
      if (src[from] !== '{') continue; // a variable (checks.js: t('between', limits)): judged where it is made
      const given = literalKeys(src, from);
      checked += 1;
      if (given.includes('...')) continue;
      assert.deepEqual(given.filter((k) => !asked.includes(k)), [], `${at} gives what its text does not ask for`);
      assert.deepEqual(asked.filter((k) => !given.includes(k)), [], `${at} misses a placeholder`);
    }
  }
  assert.ok(checked > 50);
});

/** Words the Indonesian texts do not use, and the one they use instead: English where Bahasa
 * Indonesia has a plain word a cadre uses, and a second word for a thing the app names one way. */
const NOT_SAID = {
  luring: 'tanpa sinyal', daring: 'internet', sambungan: 'koneksi', offline: 'tanpa sinyal', online: 'internet',
  underweight: 'berat badan kurang', wasting: 'gizi kurang/buruk', overweight: 'gizi lebih',
  sync: 'sinkron', upload: 'kirim', download: 'unduh', delete: 'hapus', error: 'gagal / salah', usia: 'umur',
};

test('the Indonesian texts say one word for one thing, and no English where there is a plain Indonesian word', () => {
  for (const key of textKeys()) {
    const words = texts(key)[0].toLowerCase().match(/\p{L}+/gu) ?? [];
    for (const word of words) assert.ok(!(word in NOT_SAID), `${key}: '${word}' → '${NOT_SAID[word]}' (${texts(key)[0]})`);
  }
});

/** `fn` run with the app in English, then back in Bahasa Indonesia. */
function inEnglish(fn) {
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  globalThis.document ??= { documentElement: {} };
  setLang('en');
  try { return fn(); } finally { setLang('id'); }
}

test("English counts say one thing in the singular ('1 child', not '1 children'); Indonesian has no plural", () => {
  inEnglish(() => {
    assert.equal(t('children_n', { n: 1 }), '1 child');
    assert.equal(t('children_n', { n: 2 }), '2 children');
    assert.equal(t('children_n', { n: 0 }), '0 children');
    assert.equal(t('doses_n', { n: 1 }), '1 vaccine');
    assert.equal(t('logout_blocked', { n: 1 }), 'There is 1 unsent record. Sync before logging out.');
    assert.equal(t('logout_blocked', { n: 3 }), 'There are 3 unsent records. Sync before logging out.');
    assert.equal(t('due_list_summary', { n: 1, doses: 2, version: 'v1' }), '1 child · 2 vaccine doses · schedule v1');
    assert.equal(t('actions_note', { month: 'May 2025', n: '1' }), 'At the end of May 2025: 1 child.'); // formatNumber's text
    assert.equal(t('actions_note', { month: 'May 2025', n: '1,000' }), 'At the end of May 2025: 1,000 children.');
    assert.equal(t('chart_age', { m: '1' }), 'age 1 month');
    assert.equal(t('chart_age', { m: '1.5' }), 'age 1.5 months');
  });
  assert.equal(t('children_n', { n: 1 }), '1 anak');
  assert.equal(t('logout_blocked', { n: 1 }), 'Ada 1 data belum terkirim. Sinkron dulu sebelum keluar.');
  for (const key of textKeys()) assert.doesNotMatch(texts(key)[0], /\{\w+:/, `${key}: Bahasa Indonesia has no plural forms`);
});

test('no English text says a count of 1 with a plural noun, whichever of its placeholders counts', () => {
  const COUNTS = ['n', 'days', 'doses', 'd', 'w', 'm', 'f', 'y']; // the placeholders that count something
  const PLURAL = /\b1 (?:[a-z]+ ){0,2}(children|records|vaccines|immunisations|doses|days|months|weighings|characters|users)\b|\b1 records? are\b/;
  inEnglish(() => {
    for (const key of textKeys()) {
      const ones = Object.fromEntries(placeholders(texts(key)[0]).map((k) => [k, COUNTS.includes(k) ? 1 : 'X']));
      assert.doesNotMatch(t(key, ones), PLURAL, key);
    }
  });
});

test('the invitation texts say the code comes from the cadre or the midwife (a bidan makes codes too)', () => {
  const about = textKeys().filter((key) => /\b(kode|code)\b/i.test(texts(key)[0]) && /\b(kader|cadre)\b/i.test(texts(key).join(' ')));
  assert.ok(about.length >= 5, about.join());
  for (const key of about) {
    const [id, en] = texts(key);
    assert.match(id, /\bbidan\b/, `${key}: ${id}`);
    assert.match(en, /\bmidwife\b/, `${key}: ${en}`);
  }
  // the code's note quotes the login screen's button as it is
  for (const lang of [0, 1]) assert.ok(texts('invite_code')[lang].includes(`"${texts('register_with_code')[lang]}"`), lang);
});

test("English dates write September 'Sep' as the server does (posyandu/messages.py), not the browser's en-GB 'Sept'", async () => {
  const { formatDate, formatDateTime, formatMonth } = await import('../../static/pwa/js/i18n.js');
  setLang('en');
  try {
    assert.equal(formatDate('2025-09-05'), '5 Sep 2025');
    assert.match(formatDateTime('2025-09-15T03:04:00Z'), /^15 Sep 2025, /);
    assert.equal(formatMonth('2025-09', true), 'Sep 25');
    assert.equal(formatMonth('2025-09'), 'September 2025');
    assert.equal(formatDate('2025-08-05'), '5 Aug 2025');
  } finally {
    setLang('id');
  }
  assert.equal(formatDate('2025-09-05'), '5 Sep 2025');
  assert.equal(formatMonth('2025-09'), 'September 2025');
});

test("a parent's refused request about her child is said by its problem type in her words; anyone else's in the server's", async () => {
  const { forParent, refusal } = await import('../../static/pwa/js/i18n.js');
  const { ApiError } = await import('../../static/pwa/js/api.js');
  const refused = (status, key) => new ApiError(status === 404 ? 'client' : 'forbidden', status, 'server words',
    { type: `https://posyandu.example/problems/${key}`, status }); // posyandu/errors.py TYPE_BASE
  const said = (e) => refusal(e, `Gagal: ${e.message}`);
  assert.equal(said(refused(404, 'not_found')), 'Gagal: server words'); // a kader's, as before
  forParent(true);
  try {
    assert.match(said(refused(404, 'not_found')), /^Anak ini tidak lagi terhubung dengan akun Anda\..*kode undangan/);
    assert.match(said(refused(403, 'forbidden')), /^Akun ini tidak boleh membuka data ini\./);
    // a temporary password is the app's to ask for (api.js: kind password_change), not a refusal to explain
    assert.equal(said(refused(403, 'password_change_required')), 'Gagal: server words');
    assert.equal(said(new ApiError('server', 500, 'server words', {})), 'Gagal: server words');
  } finally {
    forParent(false);
  }
});

test("the English names the Buku KIA and the KMS by their names, as the Indonesian does (not 'the KIA book')", () => {
  for (const key of textKeys()) {
    const [id, en] = texts(key);
    for (const name of ['Buku KIA', 'KMS']) if (id.includes(name)) assert.ok(en.includes(name), `${key}: ${en}`);
  }
});

test("dates and numbers: each Intl formatter made once per language and options (a child's screen writes 100 dates), words unchanged", async () => {
  const i18n = await import('../../static/pwa/js/i18n.js');
  const made = { DateTimeFormat: 0, NumberFormat: 0 };
  const real = { DateTimeFormat: Intl.DateTimeFormat, NumberFormat: Intl.NumberFormat };
  for (const name of Object.keys(made)) {
    Intl[name] = class extends real[name] { constructor(...a) { super(...a); made[name] += 1; } };
    Object.defineProperty(Intl[name], 'name', { value: `Counted${name}` }); // none made before
  }
  try {
    for (let i = 0; i < 50; i += 1) {
      i18n.formatDate('2024-09-05');
      i18n.formatNumber(7.25);
      i18n.formatKg(8);
    }
    assert.deepEqual(made, { DateTimeFormat: 1, NumberFormat: 2 }, 'not one a call (toLocaleString)');
  } finally {
    Object.assign(Intl, real);
  }
  for (const code of ['id', 'en']) {
    i18n.setLang(code);
    const locale = code === 'en' ? 'en-GB' : 'id-ID';
    assert.equal(i18n.formatNumber(1234.5), (1234.5).toLocaleString(locale));
    assert.equal(i18n.formatNumber(7.25, 1), (7.25).toLocaleString(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
    assert.equal(i18n.formatKg(2.4995), (2.4995).toLocaleString(locale, { minimumFractionDigits: 1, maximumFractionDigits: 3 }));
    assert.equal(i18n.formatPct(78.25), `${(78.25).toLocaleString(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 })}%`);
    assert.equal(i18n.formatMonth('2025-08', true), new Date(2025, 7, 1).toLocaleString(locale, { month: 'short', year: '2-digit' }));
  }
  assert.equal(i18n.formatDate('2024-09-05'), '5 Sep 2024', "en-GB's 'Sept' as the server's");
  i18n.setLang('id');
});
