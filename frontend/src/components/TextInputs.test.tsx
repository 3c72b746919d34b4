import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen } from '@testing-library/react';
import { useState } from 'react';
import { TextInputs, asTexts, type Text } from './TextInputs';
import { renderWithProviders } from '../test/render';
import { loadSimplified } from '../i18n/simplified';

const input = (lang: string) => screen.getByTestId(`t-${lang}`) as HTMLInputElement;

/** The editor as the designers hold it: state that takes what it gives back. */
function Holder({ initial, seen }: { initial?: Text | string; seen: (v: Text | undefined) => void }) {
  const [v, setV] = useState<Text | string | undefined>(initial);
  return (
    <TextInputs
      value={v}
      testid="t"
      onChange={(next) => {
        seen(next);
        setV(next);
      }}
    />
  );
}

describe('TextInputs', () => {
  it('shows one input per language with its text', () => {
    renderWithProviders(<TextInputs value={{ 'zh-TW': '業務部', en: 'Sales' }} onChange={() => {}} testid="t" />);
    expect(input('zh-TW').value).toBe('業務部');
    expect(input('zh-CN').value).toBe('');
    expect(input('en').value).toBe('Sales');
  });

  it('edits a plain string as the zh-TW text and gives back a text per language', () => {
    const seen = vi.fn();
    renderWithProviders(<Holder initial="已核對" seen={seen} />);
    expect(input('zh-TW').value).toBe('已核對');
    fireEvent.change(input('en'), { target: { value: 'Checked' } });
    expect(seen).toHaveBeenLastCalledWith({ 'zh-TW': '已核對', en: 'Checked' });
    fireEvent.change(input('zh-CN'), { target: { value: '已核对' } });
    expect(seen).toHaveBeenLastCalledWith({ 'zh-TW': '已核對', 'zh-CN': '已核对', en: 'Checked' });
  });

  it('drops a language whose text is emptied, and gives undefined when none is left', () => {
    const seen = vi.fn();
    renderWithProviders(<Holder initial={{ 'zh-TW': '財務', en: 'Finance' }} seen={seen} />);
    fireEvent.change(input('en'), { target: { value: '' } });
    expect(seen).toHaveBeenLastCalledWith({ 'zh-TW': '財務' });
    fireEvent.change(input('zh-TW'), { target: { value: '' } });
    expect(seen).toHaveBeenLastCalledWith(undefined);
    expect(input('zh-TW').value).toBe('');
  });

  it('labels each input with its language in the UI language', () => {
    renderWithProviders(<TextInputs value={{}} onChange={() => {}} testid="t" />, { lang: 'en' });
    const labels = ['zh-TW', 'zh-CN', 'en'].map((l) => input(l).closest('.ant-input-affix-wrapper')?.textContent);
    expect(labels).toEqual(['zh-TW', 'zh-CN', 'EN']);
  });
});

describe('asTexts', () => {
  it('reads a plain string as zh-TW and nothing as no text', () => {
    expect(asTexts('業務部')).toEqual({ 'zh-TW': '業務部' });
    expect(asTexts('')).toEqual({});
    expect(asTexts(undefined)).toEqual({});
    expect(asTexts({ en: 'Sales' })).toEqual({ en: 'Sales' });
  });
});

describe('TextInputs zh-CN', () => {
  it('fills the zh-CN text from the zh-TW one until it is written otherwise', async () => {
    await loadSimplified();
    const onChange = vi.fn();
    const { rerender } = renderWithProviders(<TextInputs value={{}} onChange={onChange} testid="n" />);
    fireEvent.change(screen.getByTestId('n-zh-TW'), { target: { value: '金額判斷' } });
    expect(onChange).toHaveBeenLastCalledWith({ 'zh-TW': '金額判斷', 'zh-CN': '金额判断' });
    // still the conversion: it follows
    rerender(<TextInputs value={{ 'zh-TW': '金額判斷', 'zh-CN': '金额判断' }} onChange={onChange} testid="n" />);
    fireEvent.change(screen.getByTestId('n-zh-TW'), { target: { value: '主管會簽' } });
    expect(onChange).toHaveBeenLastCalledWith({ 'zh-TW': '主管會簽', 'zh-CN': '主管会签' });
    // written by hand: kept
    const own: Text = { 'zh-TW': '財務覆核', 'zh-CN': '财务审核' };
    rerender(<TextInputs value={own} onChange={onChange} testid="n" />);
    fireEvent.change(screen.getByTestId('n-zh-TW'), { target: { value: '財務複核' } });
    expect(onChange).toHaveBeenLastCalledWith({ 'zh-TW': '財務複核', 'zh-CN': '财务审核' });
  });
});
