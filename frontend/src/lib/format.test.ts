import { describe, expect, it } from 'vitest';
import i18n from '../i18n';
import { formatWait } from './format';

describe('formatWait', () => {
  it('says a Retry-After in minutes and seconds, in the UI language', async () => {
    await i18n.changeLanguage('zh-TW');
    expect(formatWait(598, i18n.t)).toBe('9 分 58 秒');
    expect(formatWait(600, i18n.t)).toBe('10 分鐘');
    expect(formatWait(42, i18n.t)).toBe('42 秒');
    await i18n.changeLanguage('en');
    expect(formatWait(598, i18n.t)).toBe('9 min 58 s');
    expect(formatWait(0.2, i18n.t)).toBe('1 s');
    await i18n.changeLanguage('zh-TW');
  });
});
