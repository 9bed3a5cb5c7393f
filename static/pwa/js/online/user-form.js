// The admin's "Pengguna" screen, its pure part: what the forms send to /api/v1/users and how a
// user's area is named. Online only, like the screen (not in the offline shell: js/online/).

/** The area each role needs, as the server asks it (auth/operations.SCOPE_OF_ROLE): a kader a
 * posyandu, a bidan a puskesmas, a dinkes account a region; parent and admin none. */
export const SCOPE_FIELD = { kader: 'posyandu_id', bidan: 'puskesmas_id', dinkes: 'region_code' };
export const STAFF_ROLES = ['kader', 'bidan', 'dinkes', 'admin'];
export const PAGE_SIZE = 50;

/** A typed text without its outer spaces; an empty one as missing (null), so the server names it. */
export const text = (v) => String(v ?? '').trim();
export const orNull = (v) => text(v) || null;

/** POST /users body of the new-user form's values: the area of its role only (another role's,
 * picked before the role was changed, is not sent); an empty field sent as missing (null), so
 * the server names it. */
export function newUserBody(values) {
  const body = { username: text(values.username), name: text(values.name), password: values.password ?? '',
    role: values.role, phone: orNull(values.phone) };
  const scope = SCOPE_FIELD[values.role];
  if (scope) body[scope] = orNull(values[scope]);
  return body;
}

/** PATCH /users/{id} body: only what the edit form changed of `user`. The area of the user's role
 * is sent when it changed, and always with a new role (the server then empties the other roles'):
 * a kader left at a closed posyandu keeps it when only her name is corrected. */
export function userChanges(user, values) {
  const out = {};
  if (text(values.name) !== (user.name ?? '')) out.name = text(values.name);
  if (orNull(values.phone) !== (user.phone ?? null)) out.phone = orNull(values.phone);
  if (values.role && values.role !== user.role) out.role = values.role;
  const scope = SCOPE_FIELD[values.role ?? user.role];
  if (scope && (out.role || orNull(values[scope]) !== (user[scope] ?? null))) out[scope] = orNull(values[scope]);
  return out;
}

/** The list's query string: the search and filters set (empty ones left out), a page, its cursor. */
export function listQuery(filters = {}, cursor = null, limit = PAGE_SIZE) {
  const params = new URLSearchParams({ limit: String(limit) });
  for (const key of ['q', 'role', 'posyandu_id', 'puskesmas_id', 'active']) {
    const value = text(filters[key]);
    if (value) params.set(key, value);
  }
  if (cursor) params.set('cursor', cursor);
  return `?${params}`;
}

/** The /regions query that reads a region with its siblings (its parent's; a provinsi by its code). */
export const regionQuery = (code) => (code.includes('.') ? `parent_code=${code.slice(0, code.lastIndexOf('.'))}` : `code=${code}`);

/** A region by its name, its code after it ('Kabupaten Gresik (35.25)'); a name not in `names`
 * (a Map by code), the code alone. */
export const regionText = (code, names) => (code && names?.get(code) ? `${names.get(code)} (${code})` : code ?? '–');

/** A user's area in words: a kader's posyandu, a bidan's puskesmas, a dinkes account's region
 * (`names`: Maps of posyandu and puskesmas names by id, and region names by code; a closed posyandu
 * is in none: `closed`). */
export function areaText(user, names, closed = '–') {
  if (user.role === 'kader') return names.posyandu.get(user.posyandu_id) ?? (user.posyandu_closed ? closed : '–');
  if (user.role === 'bidan') return names.puskesmas.get(user.puskesmas_id) ?? '–';
  if (user.role === 'dinkes') return regionText(user.region_code, names.region);
  return '';
}

/** The server's field errors on the form's fields: one it has no field for (the whole request's,
 * `_schema`, or one the form does not show) is said in the form's note instead. */
export function splitErrors(errors, fieldNames) {
  const onFields = {};
  const elsewhere = [];
  for (const [name, messages] of Object.entries(errors ?? {})) {
    const list = [].concat(messages).flat(Infinity).filter((m) => typeof m === 'string');
    if (fieldNames.includes(name)) onFields[name] = list;
    else elsewhere.push(...list);
  }
  return { onFields, elsewhere };
}
