// Instants compared as instants, not text: the server writes "Z" to the microsecond, older snapshots
// "+00:00" or the phone's offset, the phone milliseconds ("…:28.953Z" sorts after "…:28.953826Z" as
// text). Date.parse would lose the microseconds that order records made together.

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9})\d*)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A text key of an ISO 8601 instant that orders as the instant, in UTC to the nanosecond
 * ("2026-12-01T08:45:28.953826000Z"); a value without an offset is UTC (as the server stores
 * them). null when `text` is not such an instant. */
export function instantKey(text) {
  const m = typeof text === 'string' ? ISO.exec(text.trim()) : null;
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  let offset = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offset = (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0));
  }
  const at = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) - offset * 60000);
  if (Number.isNaN(at.getTime())) return null;
  return `${at.toISOString().slice(0, 19)}.${frac.padEnd(9, '0')}Z`;
}
