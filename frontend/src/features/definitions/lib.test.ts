import { describe, expect, it } from 'vitest';
import { applyServerErrors, errorsByName } from './lib';


describe('server errors on form fields', () => {
  const toName = (p: string[]) => (p[0] === 'scope' || p[0] === 'permissions' ? [p[0]] : undefined);

  it('groups messages by field and skips pointers that are not fields', () => {
    const out = errorsByName(
      [
        { pointer: '/scope', message: 'a' },
        { pointer: '/scope', message: 'b' },
        { pointer: '/permissions/1', message: 'c' },
        { pointer: '/key', message: 'd' },
      ],
      toName,
    );
    expect(out).toEqual([
      { name: ['scope'], errors: ['a', 'b'] },
      { name: ['permissions'], errors: ['c'] },
    ]);
  });

  it('clears fields marked by an earlier save', () => {
    const calls: unknown[] = [];
    const form = { setFields: (f: never) => void calls.push(f) };
    const marked = { current: [] as string[] };
    applyServerErrors(form, [{ pointer: '/scope', message: 'bad' }], toName, marked);
    applyServerErrors(form, [{ pointer: '/permissions/0', message: 'worse' }], toName, marked);
    applyServerErrors(form, [], toName, marked);
    expect(calls).toEqual([
      [{ name: ['scope'], errors: ['bad'] }],
      [
        { name: ['scope'], errors: [] },
        { name: ['permissions'], errors: ['worse'] },
      ],
      [{ name: ['permissions'], errors: [] }],
    ]);
    expect(marked.current).toEqual([]);
  });
});
