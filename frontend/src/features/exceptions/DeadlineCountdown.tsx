import { useEffect, useState } from 'react';
import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { countdown } from './lib';

/** "in 3h 20m" / "overdue 2h" (red), refreshed every 30 s. */
export function DeadlineCountdown({ deadline, overdue }: { deadline?: string; overdue?: boolean }) {
  const { t } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const h = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(h);
  }, []);
  const c = countdown(deadline, now);
  if (!c) return <>—</>;
  const late = c.overdue || !!overdue;
  return (
    <Typography.Text type={late ? 'danger' : undefined} data-testid="deadline" data-overdue={late ? 'true' : 'false'}>
      {late ? t('ops.exceptions.overdueBy', { time: c.text }) : t('ops.exceptions.dueIn', { time: c.text })}
    </Typography.Text>
  );
}
