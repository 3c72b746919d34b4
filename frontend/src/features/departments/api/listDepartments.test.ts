import { describe, expect, it } from 'vitest';
import { departmentText } from './listDepartments';
import { pickText } from '../../../i18n/pickText';
import demo from '../../../../../schemas/examples/demo.json';

describe('department names in the UI language', () => {
  it('picks the name in each language, falling back to zh-TW', () => {
    const sales = departmentText({ name: '業務部', names: { 'zh-TW': '業務部', 'zh-CN': '业务部', en: 'Sales' } });
    expect(pickText(sales, 'en')).toBe('Sales');
    expect(pickText(sales, 'zh-CN')).toBe('业务部');
    expect(pickText(sales, 'zh-TW')).toBe('業務部');
    // a language not given falls back to zh-TW, and the plain name stands in for a missing zh-TW
    const partial = departmentText({ name: '倉儲部', names: { en: 'Warehouse' } });
    expect(pickText(partial, 'zh-CN')).toBe('倉儲部');
    expect(pickText(partial, 'en')).toBe('Warehouse');
    // a department with only a plain name shows it in every language
    for (const lang of ['zh-TW', 'zh-CN', 'en']) {
      expect(pickText(departmentText({ name: '總務部' }), lang)).toBe('總務部');
      expect(pickText(departmentText({ name: '總務部', names: {} }), lang)).toBe('總務部');
    }
  });

  it('every demo department has an English and a Simplified name', () => {
    for (const d of demo.departments) {
      const text = departmentText({ name: d.name['zh-TW'], names: d.name });
      expect(pickText(text, 'en')).not.toMatch(/[\u4e00-\u9fff]/);
      expect(pickText(text, 'zh-CN')).not.toMatch(/[業務倉儲區]/);
    }
  });
});
