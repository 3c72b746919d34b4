import { describe, expect, it } from 'vitest';
import { actionsFor, buildActionBody, checklistComplete, errorTarget, USERNAME_PATTERN } from './actions';

describe('buildActionBody', () => {
  it('approve sends one tick per checklist item (unticked as false), and no checklist when the node has none', () => {
    expect(buildActionBody({ action: 'approve' }, { ticks: { 0: true, 2: true }, checklistCount: 3 })).toEqual({
      action: 'approve',
      checklist: [true, false, true],
    });
    expect(buildActionBody({ action: 'approve', comment: ' ok ' }, { ticks: [true, true], checklistCount: 2 })).toEqual({
      action: 'approve',
      checklist: [true, true],
      comment: 'ok',
    });
    expect(buildActionBody({ action: 'approve', reason: 'stale', user: 'x', node: 'n' })).toEqual({ action: 'approve' });
  });

  it('reject sends the reason, comment sends the text', () => {
    expect(buildActionBody({ action: 'reject', reason: ' credit_risk ', comment: '' })).toEqual({ action: 'reject', reason: 'credit_risk' });
    expect(buildActionBody({ action: 'comment', comment: '請補資料' }, { ticks: [true], checklistCount: 1 })).toEqual({
      action: 'comment',
      comment: '請補資料',
    });
  });

  it('return sends the node and reason only when chosen', () => {
    expect(buildActionBody({ action: 'return' })).toEqual({ action: 'return' });
    expect(buildActionBody({ action: 'return', node: 'verify', reason: 'wrong_price', user: 'ignored' })).toEqual({
      action: 'return',
      node: 'verify',
      reason: 'wrong_price',
    });
  });

  it('transfer, delegate and add_signer send the user; add_signer a position (after by default)', () => {
    expect(buildActionBody({ action: 'transfer', user: ' manager2 ', reason: 'x' })).toEqual({ action: 'transfer', user: 'manager2' });
    expect(buildActionBody({ action: 'delegate', user: 'manager2', comment: '幫我看' })).toEqual({
      action: 'delegate',
      user: 'manager2',
      comment: '幫我看',
    });
    expect(buildActionBody({ action: 'add_signer', user: 'finance' })).toEqual({ action: 'add_signer', user: 'finance', position: 'after' });
    expect(buildActionBody({ action: 'add_signer', user: 'finance', position: 'before' })).toEqual({
      action: 'add_signer',
      user: 'finance',
      position: 'before',
    });
  });
});

describe('checklistComplete', () => {
  it('is true only when every item is ticked', () => {
    expect(checklistComplete({}, 0)).toBe(true);
    expect(checklistComplete({ 0: true }, 2)).toBe(false);
    expect(checklistComplete({ 0: true, 1: false }, 2)).toBe(false);
    expect(checklistComplete([true, true], 2)).toBe(true);
  });
});

describe('actionsFor', () => {
  it('offers every action on a review task, return only when there is somewhere to go', () => {
    expect(actionsFor({ kind: 'review' })).toEqual(['approve', 'reject', 'return', 'comment', 'transfer', 'delegate', 'add_signer']);
    expect(actionsFor({}, { canReturn: false })).not.toContain('return');
  });
  it('lets delegates and added signers decide or comment only', () => {
    expect(actionsFor({ kind: 'delegate' })).toEqual(['approve', 'reject', 'comment']);
    expect(actionsFor({ kind: 'before' })).toEqual(['approve', 'reject', 'comment']);
  });
});

describe('errorTarget', () => {
  it('maps the server’s pointers to checklist items and form fields', () => {
    expect(errorTarget('/checklist')).toEqual({ checklist: 'all' });
    expect(errorTarget('/checklist/3')).toEqual({ checklist: 3 });
    expect(errorTarget('/user')).toEqual({ field: 'user' });
    expect(errorTarget('#/node')).toEqual({ field: 'node' });
    expect(errorTarget('/action')).toBeNull();
    expect(errorTarget('')).toBeNull();
  });
});

describe('USERNAME_PATTERN', () => {
  it('accepts usernames and refuses the rest', () => {
    expect(USERNAME_PATTERN.test('manager2')).toBe(true);
    expect(USERNAME_PATTERN.test('a.b-c_d')).toBe(true);
    expect(USERNAME_PATTERN.test('Manager')).toBe(false);
    expect(USERNAME_PATTERN.test('2x')).toBe(false);
    expect(USERNAME_PATTERN.test('a b')).toBe(false);
  });
});
