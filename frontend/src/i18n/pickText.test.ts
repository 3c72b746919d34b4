import { describe, expect, it } from 'vitest';
import { isLocalizedObject, pickText } from './pickText';

const full = { 'zh-TW': '訂單審核', 'zh-CN': '订单审核', en: 'Order review' };

describe('pickText', () => {
  it('returns the text of the current language', () => {
    expect(pickText(full, 'zh-CN')).toBe('订单审核');
    expect(pickText(full, 'en')).toBe('Order review');
  });

  it('falls back to zh-TW, then en, then the first value', () => {
    expect(pickText({ 'zh-TW': '出貨', en: 'Ship' }, 'zh-CN')).toBe('出貨');
    expect(pickText({ en: 'Ship', ja: '出荷' }, 'zh-CN')).toBe('Ship');
    expect(pickText({ ja: '出荷', de: 'Versand' }, 'zh-TW')).toBe('出荷');
  });

  it('skips empty values', () => {
    expect(pickText({ 'zh-CN': '', 'zh-TW': '', en: 'Ship' }, 'zh-CN')).toBe('Ship');
  });

  it('passes plain strings through and turns nothing into ""', () => {
    expect(pickText('plain', 'en')).toBe('plain');
    expect(pickText(null, 'en')).toBe('');
    expect(pickText(undefined, 'en')).toBe('');
    expect(pickText({}, 'en')).toBe('');
  });
});

describe('isLocalizedObject', () => {
  it('recognises language-keyed text objects only', () => {
    expect(isLocalizedObject(full)).toBe(true);
    expect(isLocalizedObject({ type: 'string' })).toBe(false);
    expect(isLocalizedObject({ en: 'x', minLength: 1 })).toBe(false);
    expect(isLocalizedObject(['zh-TW'])).toBe(false);
    expect(isLocalizedObject({})).toBe(false);
  });
});
