import { describe, expect, it } from 'vitest';
import type { FlowDoc } from '../../designer';
import { defaultNodeMap, movable, type MigrationItem } from './migration';

const doc = (ids: [string, string][]): FlowDoc => ({ kind: 'flow', key: 'f', form: 'order', nodes: ids.map(([id, type]) => ({ id, type: type as 'review' })), edges: [] });

describe('defaultNodeMap', () => {
  it.each<[string, FlowDoc, FlowDoc, Record<string, string>]>([
    ['same ids', doc([['start', 'start'], ['a', 'review'], ['b', 'review']]), doc([['a', 'review'], ['b', 'review']]), { a: 'a', b: 'b' }],
    ['a node gone', doc([['a', 'review'], ['b', 'review']]), doc([['a', 'review']]), { a: 'a', b: '' }],
    ['only review nodes', doc([['a', 'review'], ['t', 'task']]), doc([['a', 'review'], ['t', 'task']]), { a: 'a' }],
    ['same id but no longer a review', doc([['a', 'review']]), doc([['a', 'task']]), { a: '' }],
  ])('%s', (_, a, b, want) => expect(defaultNodeMap(a, b)).toEqual(want));
});

describe('movable', () => {
  it.each<[Partial<MigrationItem>, boolean]>([
    [{ to: ['x'] }, true],
    [{ to: ['x'], problem: 'no map' }, false],
    [{ to: [] }, false],
    [{}, false],
  ])('%j → %s', (item, want) => expect(movable({ order: 1, number: 'n', at: ['a'], moved: false, ...item })).toBe(want));
});
