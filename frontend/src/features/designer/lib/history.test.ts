import { describe, expect, it } from 'vitest';
import { canRedo, canUndo, initHistory, pushHistory, redo, undo } from './history';

describe('undo / redo', () => {
  it('walks back and forth', () => {
    let h = initHistory('a');
    h = pushHistory(h, 'b');
    h = pushHistory(h, 'c');
    expect(canUndo(h)).toBe(true);
    h = undo(h);
    expect(h.present).toBe('b');
    h = undo(h);
    expect(h.present).toBe('a');
    expect(canUndo(h)).toBe(false);
    expect(undo(h)).toBe(h);
    h = redo(h);
    expect(h.present).toBe('b');
    expect(canRedo(h)).toBe(true);
    h = redo(h);
    expect(h.present).toBe('c');
    expect(redo(h)).toBe(h);
  });

  it('a new edit drops the redo stack', () => {
    let h = pushHistory(pushHistory(initHistory(1), 2), 3);
    h = undo(h);
    h = pushHistory(h, 4);
    expect(h.present).toBe(4);
    expect(canRedo(h)).toBe(false);
    expect(undo(h).present).toBe(2);
  });

  it('keeps at most the limit and ignores no-op pushes', () => {
    let h = initHistory(0);
    for (let i = 1; i <= 10; i++) h = pushHistory(h, i, 3);
    expect(h.past).toEqual([7, 8, 9]);
    expect(pushHistory(h, h.present)).toBe(h);
  });
});
