// Simplified Chinese made from Traditional (OpenCC's Taiwan → mainland conversion), for the zh-CN
// text of a definition while the admin writes the zh-TW one. Loaded on first use: most pages need none.
let convert: ((s: string) => string) | undefined;
let loading: Promise<void> | undefined;

export function loadSimplified(): Promise<void> {
  loading ??= import('opencc-js/t2cn').then((m) => {
    convert = m.Converter({ from: 'tw', to: 'cn' });
  });
  return loading;
}

/** The zh-CN text of a zh-TW one; undefined until the converter has loaded. */
export function toSimplified(s: string): string | undefined {
  return convert?.(s);
}
