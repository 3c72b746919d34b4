import { describe, expect, it } from 'vitest';
import { detectLanguage, matchLanguage } from './languages';

describe('matchLanguage', () => {
  it.each([
    ['zh-TW', 'zh-TW'],
    ['zh-HK', 'zh-TW'],
    ['zh-MO', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh-Hant-HK', 'zh-TW'],
    ['zh_hk', 'zh-TW'],
    ['zh', 'zh-TW'],
    ['zh-CN', 'zh-CN'],
    ['zh-SG', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['en', 'en'],
    ['en-GB', 'en'],
  ])('%s → %s', (tag, want) => {
    expect(matchLanguage(tag)).toBe(want);
  });

  it('does not match other languages', () => {
    expect(matchLanguage('fr-FR')).toBeUndefined();
    expect(matchLanguage('')).toBeUndefined();
    expect(matchLanguage(null)).toBeUndefined();
  });
});

describe('detectLanguage', () => {
  it('picks zh-TW for a zh-HK browser', () => {
    expect(detectLanguage(null, ['zh-HK', 'en-US'])).toBe('zh-TW');
  });

  it('takes the first supported browser language', () => {
    expect(detectLanguage(null, ['fr-FR', 'en-US', 'zh-CN'])).toBe('en');
    expect(detectLanguage(null, ['zh-CN', 'zh-TW'])).toBe('zh-CN');
  });

  it('prefers the stored choice over the browser', () => {
    expect(detectLanguage('en', ['zh-HK'])).toBe('en');
  });

  it('ignores a stored value it does not know', () => {
    expect(detectLanguage('klingon', ['zh-CN'])).toBe('zh-CN');
  });

  it('falls back to zh-TW', () => {
    expect(detectLanguage(null, ['fr-FR', 'de'])).toBe('zh-TW');
    expect(detectLanguage(undefined, undefined)).toBe('zh-TW');
  });
});
