import { useState } from 'react';
import { Alert, Button, Space, Typography } from 'antd';
import { AimOutlined, LeftOutlined, RightOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { FieldError } from '../../../lib/api';

interface Props {
  problems: FieldError[];
  /** Where a pointer is, in words (node verify · approvers/role). */
  describe: (pointer: string) => string;
  /** Selects and centres what the problem is about. */
  onJump: (problem: FieldError) => void;
  onClose: () => void;
}

/**
 * Every problem of the last save at once, each a link to its node or edge on the canvas, with
 * previous and next to walk through them while fixing.
 */
export function ProblemList({ problems, describe, onJump, onClose }: Props) {
  const { t } = useTranslation();
  const [at, setAt] = useState(-1);
  const jump = (i: number) => {
    const n = (i + problems.length) % problems.length;
    setAt(n);
    onJump(problems[n]);
  };
  return (
    <Alert
      type="error"
      showIcon
      closable={{ onClose }}
      title={
        <Space wrap>
          <span data-testid="designer-errors-title">{t('designer.invalid', { count: problems.length })}</span>
          <Button size="small" icon={<LeftOutlined />} onClick={() => jump(at - 1)} data-testid="designer-error-prev" aria-label={t('designer.problemPrev')} />
          <Button size="small" icon={<RightOutlined />} onClick={() => jump(at + 1)} data-testid="designer-error-next">
            {t('designer.problemNext')}
          </Button>
        </Space>
      }
      description={
        <ol style={{ margin: 0, paddingInlineStart: 22, maxHeight: 160, overflow: 'auto' }}>
          {problems.map((e, i) => (
            <li key={i} data-testid="designer-error" data-pointer={e.pointer} data-current={i === at ? 'true' : undefined} style={i === at ? { fontWeight: 600 } : undefined}>
              <Typography.Link onClick={() => jump(i)} data-testid="designer-error-jump">
                <AimOutlined /> {describe(e.pointer)}
              </Typography.Link>{' '}
              {e.message}
            </li>
          ))}
        </ol>
      }
      data-testid="designer-errors"
    />
  );
}
