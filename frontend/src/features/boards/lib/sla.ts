/** An SLA countdown: how long until the due time (negative: overdue by). */
export interface Sla {
  breached: boolean;
  /** Milliseconds left (≤ 0 once breached). */
  leftMs: number;
  /** Whole parts of |left|, for the text: days, hours, minutes, seconds. */
  d: number;
  h: number;
  m: number;
  s: number;
  /** Under an hour left (and not yet breached): shown in orange. */
  soon: boolean;
}

export function slaOf(due: string | undefined | null, now: number): Sla | null {
  if (!due) return null;
  const at = Date.parse(due);
  if (Number.isNaN(at)) return null;
  const leftMs = at - now;
  const abs = Math.floor(Math.abs(leftMs) / 1000);
  return {
    breached: leftMs <= 0,
    leftMs,
    d: Math.floor(abs / 86400),
    h: Math.floor((abs % 86400) / 3600),
    m: Math.floor((abs % 3600) / 60),
    s: abs % 60,
    soon: leftMs > 0 && leftMs < 3600_000,
  };
}

/** The countdown as compact text, e.g. "1d 3h", "2h 05m", "4m 09s", with the unit words from `units`. */
export function slaText(sla: Sla, units: { d: string; h: string; m: string; s: string } = { d: 'd', h: 'h', m: 'm', s: 's' }): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  if (sla.d > 0) return `${sla.d}${units.d} ${sla.h}${units.h}`;
  if (sla.h > 0) return `${sla.h}${units.h} ${pad(sla.m)}${units.m}`;
  return `${sla.m}${units.m} ${pad(sla.s)}${units.s}`;
}

/** The users a card's @mention box offers: assignees and submitters on the board, then the card's own first. */
export function mentionCandidates(cards: { assignees: string[]; submitter: string }[], first: { assignees: string[]; submitter: string } | undefined, me?: string): string[] {
  const out: string[] = [];
  const add = (u: string) => {
    if (u && u !== me && !out.includes(u)) out.push(u);
  };
  if (first) {
    first.assignees.forEach(add);
    add(first.submitter);
  }
  for (const c of cards) {
    c.assignees.forEach(add);
    add(c.submitter);
  }
  return out;
}
