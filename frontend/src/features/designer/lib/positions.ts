import type { Positions } from './document';

const storageKey = (flowKey: string) => `sluice.designer.positions.${flowKey}`;

export function loadPositions(flowKey: string): Positions {
  try {
    const raw = localStorage.getItem(storageKey(flowKey));
    const v: unknown = raw ? JSON.parse(raw) : {};
    return v && typeof v === 'object' ? (v as Positions) : {};
  } catch {
    return {};
  }
}

export function savePositions(flowKey: string, positions: Positions): void {
  try {
    localStorage.setItem(storageKey(flowKey), JSON.stringify(positions));
  } catch {
    // storage full or disabled: positions are a convenience
  }
}
