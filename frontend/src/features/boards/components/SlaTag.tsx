import { useEffect, useState } from 'react';
import { Tag } from 'antd';
import { ClockCircleOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { slaOf, slaText } from '../lib/sla';

/** The current time, ticking every `ms` (for countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const h = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(h);
  }, [ms]);
  return now;
}

export function SlaTag({ due, now }: { due?: string; now: number }) {
  const { t } = useTranslation();
  const sla = slaOf(due, now);
  if (!sla) return null;
  const units = { d: t('board.unit.d'), h: t('board.unit.h'), m: t('board.unit.m'), s: t('board.unit.s') };
  const text = slaText(sla, units);
  return (
    <Tag
      icon={<ClockCircleOutlined />}
      color={sla.breached ? 'red' : sla.soon ? 'orange' : 'default'}
      data-testid="card-sla"
      data-breached={sla.breached ? 'true' : 'false'}
    >
      {sla.breached ? t('board.overdue', { time: text }) : t('board.dueIn', { time: text })}
    </Tag>
  );
}

