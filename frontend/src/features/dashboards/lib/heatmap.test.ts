import { describe, expect, it } from 'vitest';
import { HEAT_NONE, HEAT_STOPS, heatColor, heatLegend, heatTextColor, nodeHeat, busiestFlow, hottestNode } from './heatmap';

describe('heat colour scale', () => {
  it('maps levels to equal bands, the top band hot, nothing waiting grey', () => {
    expect(heatColor(undefined)).toBe(HEAT_NONE);
    expect(heatColor(0)).toBe(HEAT_STOPS[0]);
    expect(heatColor(0.19)).toBe(HEAT_STOPS[0]);
    expect(heatColor(0.2)).toBe(HEAT_STOPS[1]);
    expect(heatColor(0.79)).toBe(HEAT_STOPS[3]);
    expect(heatColor(1)).toBe(HEAT_STOPS[4]);
    expect(heatColor(7)).toBe(HEAT_STOPS[4]);
    expect(heatColor(-1)).toBe(HEAT_STOPS[0]);
    expect(heatTextColor(HEAT_STOPS[4])).toBe('#fff');
    expect(heatTextColor(HEAT_STOPS[0])).not.toBe('#fff');
  });

  it('scales each node against the worst one, by age or by count', () => {
    const b = [
      { node: 'verify', waiting: 1, orders: 1, mean_age: 3600, max_age: 3600 },
      { node: 'sales_review', waiting: 4, orders: 3, mean_age: 900, max_age: 1800 },
    ];
    const byAge = nodeHeat(b, 'age');
    expect(byAge.max).toBe(3600);
    expect(byAge.byNode.verify).toMatchObject({ level: 1, color: HEAT_STOPS[4], waiting: 1 });
    expect(byAge.byNode.sales_review).toMatchObject({ level: 0.25, color: HEAT_STOPS[1] });
    const byCount = nodeHeat(b, 'count');
    expect(byCount.max).toBe(4);
    expect(byCount.byNode.sales_review.color).toBe(HEAT_STOPS[4]);
    expect(byCount.byNode.verify.level).toBe(0.25);
    expect(byCount.byNode.ship).toBeUndefined();
  });

  it('has a legend band per stop up to the maximum', () => {
    const l = heatLegend(100);
    expect(l).toHaveLength(HEAT_STOPS.length);
    expect(l[0]).toEqual({ color: HEAT_STOPS[0], from: 0, to: 20 });
    expect(l[4].to).toBe(100);
  });
});

describe('what the dashboard opens on', () => {
  it('picks the flow with the most orders once every flow is counted', () => {
    expect(busiestFlow(['a', 'b', 'c'], [3, 12, 12])).toBe('b');
    expect(busiestFlow(['a', 'b'], [0, 0])).toBe('a');
    expect(busiestFlow(['a', 'b'], [5, undefined])).toBeUndefined();
    expect(busiestFlow([], [])).toBeUndefined();
  });
  it('keeps the hottest node', () => {
    expect(hottestNode({ x: { level: 0.2 } as never, y: { level: 1 } as never })).toBe('y');
    expect(hottestNode({})).toBeUndefined();
  });
});
