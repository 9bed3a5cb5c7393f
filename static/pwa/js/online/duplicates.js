// "Kemungkinan anak ganda" (bidan, admin): the children the server flagged as possibly registered
// twice, compared side by side from the phone's records, merged (one record kept, the other's
// weighings and doses moved to it) or marked as different children. Both are server operations, so
// the screen is online only: fetched when opened (app.js), never part of the offline shell, its words
// here. The notices that lead to it (a child's screen, the home list) are in screens/duplicates.js.
import { formatDate, formatDateTime, t, textsOf } from '../i18n.js';
import { h, radios } from '../ui.js';
import { countByChild, duplicatePairs, isLive } from '../duplicates.js';

/** [Bahasa Indonesia, English] */
export const W = {
  dup_help: ['Anak-anak ini mungkin didaftarkan dua kali (misalnya di dua HP). Bandingkan datanya, lalu gabungkan, atau tandai sebagai anak yang berbeda (misalnya anak kembar).',
    'These children may have been registered twice (on two phones, say). Compare their details, then merge them, or mark them as different children (twins, say).'],
  dup_none: ['Tidak ada kemungkinan anak ganda di HP ini.', 'No possible duplicate children on this phone.'],
  dup_compare: ['Data kedua anak', "Both children's details"],
  dup_detail: ['Data', 'Detail'],
  dup_side: ['Anak {x}', 'Child {x}'],
  dup_nik: ['NIK', 'NIK'],
  dup_registered: ['Didaftarkan', 'Registered'],
  dup_weighings: ['Penimbangan', 'Weighings'],
  dup_doses: ['Imunisasi dan vitamin', 'Vaccine doses and vitamins'], // whole words at 360 px
  dup_differs: ['(berbeda)', '(differs)'],
  dup_keep: ['Data yang disimpan', 'Record to keep'],
  dup_keep_side: ['Anak {x}: {name}', 'Child {x}: {name}'],
  dup_merge: ['Gabungkan', 'Merge'],
  dup_not_same: ['Bukan anak yang sama', 'Not the same child'],
  dup_confirm: ['Data anak {keep} disimpan. {w} penimbangan dan {d} imunisasi/vitamin anak {lose} dipindahkan ke anak {keep}, lalu data anak {lose} dihapus. Gabungkan?',
    "Child {keep}'s record is kept. The {w} {w:weighing|weighings} and {d} {d:immunisation/vitamin|immunisations/vitamins} of child {lose} move to child {keep}, then child {lose}'s record is removed. Merge?"],
  dup_confirm_yes: ['Ya, gabungkan', 'Yes, merge'],
  dup_parents_yes: ['Ya, orang tua anak yang sama', "Yes, one child's parents"],
  dup_working: ['Mengirim ke server…', 'Sending to the server…'],
  dup_merged: ['Sudah digabungkan: data {name} disimpan, dengan semua penimbangan dan imunisasinya.', "Merged: {name}'s record is kept, with all the weighings and doses."],
  dup_apart: ['Dicatat: {a} dan {b} adalah anak yang berbeda.', 'Noted: {a} and {b} are different children.'],
  dup_apart_ask: ['{a} dan {b} dicatat sebagai anak yang berbeda, tanpa bisa dibatalkan. Lanjutkan?',
    '{a} and {b} are recorded as different children, for good. Go on?'],
  dup_apart_yes: ['Ya, anak yang berbeda', 'Yes, different children'],
  dup_apart_why: ['Alasan (dicatat di riwayat perubahan)', 'Reason (kept in the change history)'],
  dup_twins: ['Anak kembar', 'Twins'],
  dup_namesake: ['Anak lain dengan nama mirip', 'Another child with a similar name'],
  dup_sync_later: ['Data di HP ini diperbarui pada sinkron berikutnya.', "This phone's data is updated at the next sync."],
  dup_offline: ['Perlu koneksi internet untuk menggabungkan atau memisahkan data anak.', "Merging or separating children's records needs an internet connection."],
  dup_forbidden: ['Hanya bidan atau admin yang dapat menggabungkan data anak.', "Only a midwife or an admin can merge children's records."],
  dup_gone: ['Data anak ini sudah berubah di server. HP ini sinkron sekarang; periksa lagi sesudahnya.', "This child's record has changed on the server. The phone is syncing now; check again afterwards."],
  dup_failed: ['Gagal: {why}', 'Failed: {why}'],
  dup_same_nik: ['NIK sama di dua posyandu: anak yang sama didaftarkan lagi (misalnya setelah pindah), atau NIK salah di salah satunya: perbaiki NIK itu lewat "Ubah data anak".',
    'The same NIK at two posyandu: one child registered again (after a move, say), or a wrong NIK on one of them: correct it under "Edit child".'],
};
const tx = textsOf(W);

/** What went wrong, in the user's words: the server's field messages (in the user's language), else its detail. */
export function whyFailed(error) {
  if (error.kind === 'network') return tx('dup_offline');
  if (error.status === 403) return tx('dup_forbidden');
  if (error.status === 404) return tx('dup_gone');
  const listed = Object.values(error.body?.errors ?? {}).flat(Infinity).filter((m) => typeof m === 'string');
  return tx('dup_failed', { why: listed.length ? listed.join(' ') : error.message });
}

const registered = (c) => `${c.created_at ?? '\uffff'} ${c.id}`; // first registered first (not yet sent: last)
const before = (a, b) => (registered(a) < registered(b) ? -1 : 1);

/** Live children of one NIK at different posyandu that no flag pairs ({first, second, flagged: []}): the server
 * flags within a posyandu only, so a child registered again where she moved counted in S at both, unseen. One
 * NIK is one person: merged as a flagged pair, or kept apart by correcting the wrong NIK (no ruling to make). */
export function sameNikPairs(children, flaggedPairs) {
  const paired = new Set(flaggedPairs.map((p) => [p.first.id, p.second.id].sort().join(' ')));
  const byNik = new Map();
  for (const c of children) if (isLive(c) && c.nik) byNik.set(c.nik, [...(byNik.get(c.nik) ?? []), c]);
  return [...byNik.values()].flatMap((group) => {
    const [first, ...rest] = group.sort(before);
    return rest.filter((c) => c.posyandu_id !== first.posyandu_id && !paired.has([first.id, c.id].sort().join(' ')))
      .map((second) => ({ first, second, flagged: [] }));
  });
}

/** [label, value of a child, whether values that differ are marked (who the child is, not the records)] */
const FIELDS = [
  ['name', (c) => h('a', { href: `#/child/${c.id}` }, c.name), true],
  ['sex', (c) => (c.sex === 'M' ? t('male') : t('female')), true],
  ['birth_date', (c) => formatDate(c.birth_date), true],
  ['mother_name', (c) => c.mother_name || '–', true],
  // in fours, as printed on a KK, to compare digit by digit: a 16-digit run broke anywhere at 360 px
  ['dup_nik', (c) => c.nik?.replace(/(\d{4})(?=\d)/g, '$1 ') || '–', true],
  ['posyandu', (c, info) => info.places.get(c.posyandu_id) ?? '–', true],
  ['dup_registered', (c) => formatDateTime(c.created_at), false],
  ['dup_weighings', (c, info) => String(info.weighings.get(c.id) ?? 0), false],
  ['dup_doses', (c, info) => String(info.doses.get(c.id) ?? 0), false],
];

function compareTable(pair, info) {
  const sides = [pair.first, pair.second];
  return h('table', { class: 'table dup-table' },
    h('caption', { class: 'sr-only' }, tx('dup_compare')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, tx('dup_detail'))),
      ['A', 'B'].map((x) => h('th', { scope: 'col' }, tx('dup_side', { x }))))),
    h('tbody', {}, FIELDS.map(([key, show, marked]) => {
      const [a, b] = sides.map((c) => show(c, info));
      const text = (v) => (v instanceof Node ? v.textContent : v);
      const differs = marked && text(a) !== text(b); // said in words too: bold type alone reaches no screen reader
      return h('tr', { 'data-key': key, class: differs ? 'differs' : null },
        h('th', { scope: 'row' }, tx(key), differs ? [' ', h('small', { class: 'differs-note' }, tx('dup_differs'))] : null),
        h('td', {}, a), h('td', {}, b));
    })));
}

/** One pair: the comparison, which record to keep, merge (after a confirmation) or keep apart. */
function pairCard(ctx, pair, info) {
  const { first, second } = pair;
  const status = h('p', { class: 'dup-status', role: 'status' });
  const keep = radios(`keep-${first.id}-${second.id}`, tx('dup_keep'),
    [[first.id, tx('dup_keep_side', { x: 'A', name: first.name })], [second.id, tx('dup_keep_side', { x: 'B', name: second.name })]],
    first.id);
  const confirmBox = h('div', { class: 'dup-confirm notice warn', role: 'group', hidden: true });
  const buttons = [];
  const button = (props, text) => {
    const b = h('button', { type: 'button', ...props }, text);
    buttons.push(b);
    return b;
  };
  const say = (tone, text) => { status.className = `dup-status ${tone ? `notice ${tone}` : 'muted'}`; status.textContent = text; };

  /** Run a server operation, then sync: the list is drawn again with what came of it. ``asked``: a
   * refusal the user may overrule (the server's 409 ``parents_differ``), asked of her; else told. */
  const run = async (work, doneText, asked = () => false) => {
    buttons.forEach((b) => { b.disabled = true; });
    say(null, tx('dup_working'));
    try {
      await work();
    } catch (error) {
      if (asked(error)) {
        say(null, '');
        buttons.forEach((b) => { b.disabled = false; });
        return;
      }
      say('bad', whyFailed(error));
      buttons.forEach((b) => { b.disabled = false; });
      // the pair changed elsewhere (gone, or the child to keep merged away: 409): fetch what stands
      if (error.status === 404 || error.status === 409) ctx.sync.sync();
      return;
    }
    const synced = await ctx.sync.syncNow();
    if (location.hash !== '#/duplicates') return;
    ctx.duplicatesDone = synced ? doneText : `${doneText} ${tx('dup_sync_later')}`;
    ctx.route();
  };

  /** Asked first: neither is undone in the app (a pair ruled apart is never flagged again). */
  const ask = (from, question, yes, act, extra = null) => {
    const id = `dup-confirm-${first.id}-${second.id}`;
    confirmBox.replaceChildren(h('p', { id }, question), extra ?? '', h('div', { class: 'actions' }, // a null: "null"
      button({ class: 'btn primary', 'data-action': 'confirm', 'aria-describedby': id, onclick: act }, yes),
      h('button', { class: 'btn', type: 'button', onclick: () => { confirmBox.hidden = true; from.focus(); } }, t('cancel'))));
    confirmBox.hidden = false;
    confirmBox.querySelector('button').focus();
  };
  const merge = button({ class: 'btn primary', 'data-action': 'merge', onclick: () => {
    const keepId = keep.querySelector('input:checked')?.value ?? first.id;
    const [winner, loser, [x, y]] = keepId === second.id ? [second, first, ['B', 'A']] : [first, second, ['A', 'B']];
    const send = (body) => run(() => ctx.api.post(`/children/${winner.id}/merge`, { duplicate_id: loser.id, ...body }),
      tx('dup_merged', { name: winner.name }), (error) => {
        // each child has a parent account or open code the other has not: both families would see the one record
        if (body.parents_confirmed || !`${error.body?.type}`.endsWith('/parents_differ')) return false;
        ask(merge, error.body.detail, tx('dup_parents_yes'), () => send({ parents_confirmed: true }));
        return true;
      });
    ask(merge, tx('dup_confirm', { keep: `${x} (${winner.name})`, lose: `${y} (${loser.name})`,
      w: info.weighings.get(loser.id) ?? 0, d: info.doses.get(loser.id) ?? 0 }), tx('dup_confirm_yes'), () => send({}));
  } }, tx('dup_merge'));
  const names = { a: first.name, b: second.name };
  // why, for whoever reads the child's history later (the audit had none): twins, or a namesake
  const why = () => radios(`apart-why-${first.id}-${second.id}`, tx('dup_apart_why'),
    [['dup_twins', tx('dup_twins')], ['dup_namesake', tx('dup_namesake')]], null);
  const apart = button({ class: 'btn', 'data-action': 'not-duplicate', onclick: () => ask(apart, tx('dup_apart_ask', names),
    tx('dup_apart_yes'), () => run(async () => {
      const chosen = confirmBox.querySelector('input:checked')?.value;
      const body = chosen ? { reason: W[chosen][0] } : {}; // in Bahasa Indonesia, whoever reads it later
      for (const id of pair.flagged) await ctx.api.post(`/children/${id}/not-duplicate`, body);
    }, tx('dup_apart', names)), why()) }, tx('dup_not_same'));

  const nik = !pair.flagged.length; // a NIK pair (``sameNikPairs``): no flag to rule on
  return h('article', { class: 'card dup-pair', 'data-first': first.id, 'data-second': second.id },
    h('h3', {}, first.name === second.name ? first.name : `${first.name} · ${second.name}`),
    nik ? h('p', { class: 'notice info dup-same-nik' }, tx('dup_same_nik')) : null,
    compareTable(pair, info), keep, h('div', { class: 'actions' }, merge, nik ? null : apart), confirmBox, status);
}

export async function render(ctx) {
  const [children, posyandus, measurements, immunisations, supplements] = await Promise.all([
    ctx.children(), ctx.posyandus(), ctx.records('measurement'), ctx.records('immunisation'), ctx.records('supplement')]);
  const flagged = duplicatePairs(children);
  const pairs = [...flagged, ...sameNikPairs(children, flagged)];
  const info = { places: new Map(posyandus.map((p) => [p.id, p.name])), weighings: countByChild(measurements),
    doses: countByChild(immunisations, supplements) };
  const done = ctx.duplicatesDone;
  ctx.duplicatesDone = null;
  if (done) ctx.announce(done); // drawn with the screen: a status region present from the start is not read out
  return h('section', { class: 'duplicates' }, h('h2', {}, tx('dup_title')),
    done ? h('p', { class: 'notice ok', role: 'status', id: 'dup-done' }, done) : null,
    pairs.length ? [h('p', { class: 'muted' }, tx('dup_help')),
      h('div', { id: 'dup-pairs' }, pairs.map((pair) => pairCard(ctx, pair, info)))]
      : h('p', { class: 'muted', id: 'dup-none' }, tx('dup_none')));
}
