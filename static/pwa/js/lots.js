// The vials in use on a posyandu day: per vaccine, the batch (lot) number, expiry date and KFA
// product last entered for a dose given that day, kept in the user's database (meta 'dose_lots')
// and offered for the next child (one vial serves many children). Another day starts empty.
import { getMeta, putMeta } from './outbox.js';

const KEY = 'dose_lots';
const LOT_FIELDS = ['batch_number', 'expiry_date', 'kfa_code'];

/** The kept lots ({day, lots: {vaccine: {batch_number, expiry_date, kfa_code}}}), null for none. */
export const keptLots = async (db) => (await getMeta(db, KEY)) ?? null;

export const lotsOn = (kept, day) => (kept?.day === day ? kept.lots ?? {} : {});

/** Remember the lots just entered for `day` ({vaccine: {batch_number, expiry_date, kfa_code}}),
 * over that day's others; another day's are dropped. Resolves to what is now kept. */
export async function rememberLots(db, day, lots) {
  const kept = lotsOn(await keptLots(db), day);
  const picked = Object.fromEntries(Object.entries(lots).map(([vaccine, lot]) => [vaccine,
    Object.fromEntries(LOT_FIELDS.map((f) => [f, lot[f] ?? null]))]));
  const value = { key: KEY, day, lots: { ...kept, ...picked } };
  await putMeta(db, value);
  return value;
}

/** The KFA products the schedule lists for a vaccine ([{kfa_code, name}], none by default). */
export const productsOf = (schedule, vaccine) => schedule?.vaccines?.find((v) => v.code === vaccine)?.products ?? [];
