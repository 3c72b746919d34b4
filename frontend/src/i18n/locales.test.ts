import { describe, expect, it } from 'vitest';
import zhTW from './locales/zh-TW';
import zhCN from './locales/zh-CN';
import en from './locales/en';

function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe('locales', () => {
  const base = keys(zhTW).sort();

  it.each([
    ['zh-CN', zhCN],
    ['en', en],
  ])('%s has exactly the keys of zh-TW', (_, messages) => {
    expect(keys(messages).sort()).toEqual(base);
  });

  it('has no empty texts', () => {
    for (const messages of [zhTW, zhCN, en]) {
      for (const k of keys(messages)) {
        const v = k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], messages);
        expect(v, k).not.toBe('');
      }
    }
  });
});
