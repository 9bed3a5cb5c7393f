// The admin's "Puskesmas & posyandu" screen, its pure part: what its forms send to /api/v1/puskesmas
// and /api/v1/posyandu, and the puskesmas each with its posyandu. Online only, like the screen.
import { orNull, text } from './user-form.js';

/** A typed day of the month as a number; anything else as typed (the server names it), none as null. */
const day = (v) => (/^\d+$/.test(text(v)) ? Number(text(v)) : orNull(v));

/** POST /puskesmas body of the form's values (its code may be left empty). */
export const puskesmasBody = (values) => ({ name: text(values.name), code: orNull(values.code),
  kecamatan_code: text(values.kecamatan_code) });

/** POST /posyandu body of the form's values (its address may be left empty; its puskesmas not chosen
 * is sent as missing, which the server says, not as an id it cannot read). */
export const posyanduBody = (values) => ({ name: text(values.name), puskesmas_id: orNull(values.puskesmas_id),
  desa_code: text(values.desa_code), meeting_day: day(values.meeting_day), address: orNull(values.address) });

/** PATCH body: only the fields of `body` (a form's, as above) that differ from `record`'s. */
export const changes = (record, body) => Object.fromEntries(Object.entries(body)
  .filter(([key, value]) => value !== (record[key] ?? null)));

const byName = (a, b) => a.name.localeCompare(b.name);

/** Every puskesmas by name, each with its posyandu by name ({...puskesmas, posyandu: [...]}). */
export function grouped(puskesmas, posyandu) {
  const of = new Map(puskesmas.map((p) => [p.id, []]));
  for (const pos of posyandu) of.get(pos.puskesmas_id)?.push(pos);
  return [...puskesmas].sort(byName).map((p) => ({ ...p, posyandu: of.get(p.id).sort(byName) }));
}
