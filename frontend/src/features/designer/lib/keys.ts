// Keys and node ids made from what the admin calls a thing, so that none is typed by hand.

const KEY = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * A key from a name: its latin letters and digits in lower case, words joined by `sep`
 * ("Finance review" → finance_review, "E2E 小額流程 k3" → e2e-k3), made to start with a
 * letter (`prefix`), at most 64 characters, and numbered (-2, _3 …) past those `taken`.
 * Undefined when the name has no latin letter or digit to go by.
 */
export function keyFromName(name: string | undefined, taken: (k: string) => boolean, sep: '-' | '_', prefix: string): string | undefined {
  const words = (name ?? '')
    .normalize('NFKD')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (!words.length) return undefined;
  let stem = words.join(sep);
  if (!/^[a-z]/.test(stem)) stem = `${prefix}${sep}${stem}`;
  stem = stem.slice(0, 58).replace(/[-_]+$/, '');
  if (!KEY.test(stem)) return undefined;
  if (!taken(stem)) return stem;
  for (let i = 2; ; i++) if (!taken(`${stem}${sep}${i}`)) return `${stem}${sep}${i}`;
}
