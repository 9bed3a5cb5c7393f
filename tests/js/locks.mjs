// A stand-in for navigator.locks (Web Locks) as browsers grant them: per name, one exclusive
// holder or any number of shared ones, waiting requests granted in order, `ifAvailable` answered
// with null instead of waiting. Install with `withNavigator({locks}, fn)` (node 20 has no navigator).

export function lockManager() {
  const names = new Map(); // name -> {mode, holders, queue: [{mode, grant}]}
  const of = (name) => names.get(name) ?? names.set(name, { mode: null, holders: 0, queue: [] }).get(name);
  const free = (s, mode) => s.holders === 0 || (mode === 'shared' && s.mode === 'shared' && !s.queue.length);

  function pump(s) {
    while (s.queue.length && (s.holders === 0 || (s.queue[0].mode === 'shared' && s.mode === 'shared'))) {
      s.queue.shift().grant();
    }
  }

  return {
    /** How many hold `name` now, and how many wait for it. */
    held: (name) => ({ holders: of(name).holders, waiting: of(name).queue.length }),
    request(name, options, fn) {
      if (typeof options === 'function') [fn, options] = [options, {}];
      const mode = options.mode ?? 'exclusive';
      const s = of(name);
      if (options.ifAvailable && !free(s, mode)) return Promise.resolve().then(() => fn(null));
      return new Promise((resolve, reject) => {
        const grant = () => {
          s.mode = mode;
          s.holders += 1;
          const release = () => { s.holders -= 1; pump(s); }; // before the request's promise settles
          Promise.resolve().then(() => fn({ name, mode }))
            .then((value) => { release(); resolve(value); }, (error) => { release(); reject(error); });
        };
        if (free(s, mode)) grant();
        else s.queue.push({ mode, grant });
      });
    },
  };
}

/** Run fn with `globalThis.navigator` = {locks, ...more}, the previous one restored after. */
export async function withNavigator(value, fn) {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { configurable: true, writable: true, value });
  try {
    return await fn();
  } finally {
    if (saved) Object.defineProperty(globalThis, 'navigator', saved);
    else delete globalThis.navigator;
  }
}
